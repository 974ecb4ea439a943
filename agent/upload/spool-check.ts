import { createReadStream, existsSync, statSync } from 'node:fs';
import { PayloadHasher } from '../../core/digest.js';
import { TerminalError } from '../../core/errors.js';
import type { JournalEntry } from '../journal/entry.js';

/**
 * Before resuming an upload: the spooled payload must still be the bytes the manifest describes. A
 * missing or altered spool file cannot be fixed by retrying; the source has to be pushed again.
 */
export async function checkSpool(entry: JournalEntry, hash: boolean): Promise<string> {
  const path = entry.spoolPath;
  const { batchId, payload } = entry.manifest;
  const again = `forget it with \`qlib-sync resume --drop ${batchId}\` and push the source again`;
  if (path === undefined || !existsSync(path)) {
    throw new TerminalError('SPOOL_MISSING', `the spooled payload of ${batchId} (${path}) is gone; ${again}`);
  }
  const size = statSync(path).size;
  if (size !== payload.bytes) {
    throw new TerminalError(
      'SPOOL_CORRUPT',
      `${path} has ${size} bytes, the manifest says ${payload.bytes}; ${again}`,
    );
  }
  if (!hash) return path;
  const hasher = new PayloadHasher();
  for await (const chunk of createReadStream(path)) hasher.update(chunk as Buffer);
  const { sha256 } = hasher.digest();
  if (sha256 !== payload.sha256) {
    throw new TerminalError('SPOOL_CORRUPT', `${path} does not match its manifest's SHA-256; ${again}`);
  }
  return path;
}
