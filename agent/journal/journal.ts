import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TerminalError } from '../../core/errors.js';
import type { BatchKind } from '../../core/keys.js';
import type { ManifestV1 } from '../../core/manifest.js';
import { isTempFile, tempOwner, writeFileAtomic } from './atomic-file.js';
import { formatJournalEntry, type JournalEntry, PENDING_STATES, parseJournalEntry } from './entry.js';
import { isAlive } from './lock.js';

export interface JournalListing {
  /** Readable entries, oldest batch first. */
  entries: JournalEntry[];
  /** Files that could not be read: reported by doctor and status, never dropped. */
  corrupt: TerminalError[];
}

/**
 * The durable local record of every batch (docs/agent.md, "Journal layout"):
 *   <dir>/lock                      pid of the agent writing the journal
 *   <dir>/batches/<batch-id>.json   one entry per batch, replaced atomically
 *   <dir>/spool/<batch-id>.csv.gz   built payloads until OSS has confirmed them
 */
export class Journal {
  readonly batchesDir: string;
  readonly spoolDir: string;

  constructor(readonly dir: string) {
    this.batchesDir = join(dir, 'batches');
    this.spoolDir = join(dir, 'spool');
  }

  /** Create the directories (owner-only) when absent. */
  static open(dir: string): Journal {
    const journal = new Journal(dir);
    mkdirSync(journal.batchesDir, { recursive: true, mode: 0o700 });
    mkdirSync(journal.spoolDir, { recursive: true, mode: 0o700 });
    return journal;
  }

  list(): JournalListing {
    const entries: JournalEntry[] = [];
    const corrupt: TerminalError[] = [];
    for (const name of this.names()) {
      try {
        entries.push(parseJournalEntry(readFileSync(join(this.batchesDir, name), 'utf8'), name));
      } catch (error) {
        corrupt.push(error as TerminalError);
      }
    }
    entries.sort((a, b) => (a.manifest.batchId < b.manifest.batchId ? -1 : 1));
    return { entries, corrupt };
  }

  get(batchId: string): JournalEntry | undefined {
    const name = `${batchId}.json`;
    const path = join(this.batchesDir, name);
    return existsSync(path) ? parseJournalEntry(readFileSync(path, 'utf8'), name) : undefined;
  }

  save(entry: JournalEntry): void {
    writeFileAtomic(join(this.batchesDir, `${entry.manifest.batchId}.json`), formatJournalEntry(entry));
  }

  /** Journal a batch just built (its payload at `spoolPath`): state `built`, no attempt yet. */
  saveBuilt(manifest: ManifestV1, spoolPath: string, now: Date): JournalEntry {
    const at = now.toISOString();
    const entry: JournalEntry = {
      formatVersion: 2,
      state: 'built',
      manifest,
      spoolPath,
      createdAt: at,
      updatedAt: at,
      attempts: 0,
    };
    this.save(entry);
    return entry;
  }

  spoolPathFor(batchId: string): string {
    return join(this.spoolDir, `${batchId}.csv.gz`);
  }

  /** The batch with the same content (kind, dataset, payload SHA-256), unless it was rejected. */
  findByContent(kind: BatchKind, dataset: string, sha256: string): JournalEntry | undefined {
    return this.list().entries.find(
      (e) =>
        e.state !== 'rejected' &&
        e.manifest.kind === kind &&
        e.manifest.dataset === dataset &&
        e.manifest.payload.sha256 === sha256,
    );
  }

  /** The last date pushed for a dataset (rejected batches do not count): `--since-last` starts after it. */
  lastEnd(kind: BatchKind, dataset: string): string | undefined {
    let last: string | undefined;
    for (const e of this.list().entries) {
      if (e.state === 'rejected' || e.manifest.kind !== kind || e.manifest.dataset !== dataset) continue;
      if (last === undefined || e.manifest.dateRange.end > last) last = e.manifest.dateRange.end;
    }
    return last;
  }

  pending(): JournalEntry[] {
    return this.list().entries.filter((e) => PENDING_STATES.includes(e.state));
  }

  /** Temp files a killed writer left behind (their owner is gone); removed unless `dryRun`. */
  cleanTemps(dryRun = false): string[] {
    const stale: string[] = [];
    // The journal directory itself: the lock's temp file (lock.ts) of a killed agent.
    for (const dir of [this.dir, this.batchesDir, this.spoolDir]) {
      for (const name of safeList(dir)) {
        if (!isTempFile(name)) continue;
        const owner = tempOwner(name);
        if (owner !== undefined && owner !== process.pid && isAlive(owner)) continue;
        stale.push(join(dir, name));
        if (!dryRun) rmSync(join(dir, name), { force: true });
      }
    }
    return stale;
  }

  /** Spooled payloads no pending entry refers to (left by a crash between spooling and journaling). */
  orphanSpoolFiles(): string[] {
    const wanted = new Set(this.pending().map((e) => e.spoolPath));
    return safeList(this.spoolDir)
      .filter((name) => !isTempFile(name))
      .map((name) => join(this.spoolDir, name))
      .filter((path) => !wanted.has(path));
  }

  private names(): string[] {
    return safeList(this.batchesDir)
      .filter((name) => name.endsWith('.json') && !isTempFile(name))
      .sort();
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
