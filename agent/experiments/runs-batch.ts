import { renameSync, rmSync } from 'node:fs';
import { formatBatchId } from '../../core/batch-id.js';
import type { PayloadDigest } from '../../core/digest.js';
import { sha256Hex } from '../../core/digest.js';
import { ExperimentsInspector } from '../../core/experiments/inspector.js';
import { formatBatchKey } from '../../core/keys.js';
import type { ManifestV1 } from '../../core/manifest.js';
import { BatchBlockedError } from '../build/findings-text.js';
import { PayloadFile } from '../build/payload-writer.js';
import type { AgentContext } from '../context.js';
import { fsyncDir } from '../journal/atomic-file.js';
import type { JournalEntry } from '../journal/entry.js';
import { upload } from '../upload/pending.js';
import type { ChangedRun } from './collect-runs.js';

/** A built experiments payload, checked and not yet named (a temp file in the spool). */
export interface BuiltRuns {
  path: string;
  digest: PayloadDigest;
  lines: number;
  dateRange: { start: string; end: string };
  warnings: string[];
}

/**
 * The payload of an experiments batch: canonical JSON lines → gzip (PayloadFile: mtime 0, so the same runs give
 * the same bytes) → a temp file in the spool, every line checked on the way by the rules ingest applies (core/experiments).
 * A blocking finding stops the push before anything is uploaded.
 */
export function openRunsPayload(spoolDir: string, dataset: string) {
  const file = new PayloadFile(spoolDir);
  // The agent writes every experiment and config a run refers to into the same batch: nothing is "known" here.
  const inspector = new ExperimentsInspector(Number.NaN, sha256Hex);
  let line = 0;
  return {
    /** Lines and uncompressed bytes written so far (progress). */
    get lines(): number {
      return line;
    },
    get bytes(): number {
      return file.bytesIn;
    },
    async write(lines: string[]): Promise<void> {
      for (const text of lines) {
        line += 1;
        const record = inspector.line(text.slice(0, -1), line);
        if (record !== undefined) inspector.accept(record, line);
      }
      await file.write(Buffer.from(lines.join('')));
    },
    async finish(runs: readonly ChangedRun[], now: Date): Promise<BuiltRuns> {
      const digest = await file.finish();
      const report = inspector.finish();
      const findings = report.findings.filter((f) => f.code !== 'ROW_COUNT_MISMATCH');
      if (findings.some((f) => f.severity === 'block')) {
        rmSync(file.path, { force: true });
        throw new BatchBlockedError(dataset, findings);
      }
      const warnings = findings.map((f) => `${f.code}: ${f.count}× ${f.message}`);
      return { path: file.path, digest, lines: report.lines, dateRange: dateRangeOf(runs, now), warnings };
    },
    discard(): void {
      file.discard();
    },
  };
}

/** The batch's date range: the UTC days its runs started on (the day it was built when none has a start time). */
function dateRangeOf(runs: readonly ChangedRun[], now: Date): { start: string; end: string } {
  const days = runs
    .map((r) => r.startTime)
    .filter((t): t is number => t !== null)
    .map((t) => new Date(t).toISOString().slice(0, 10))
    .sort();
  const today = now.toISOString().slice(0, 10);
  return { start: days[0] ?? today, end: days[days.length - 1] ?? today };
}

/**
 * Name the payload by its content, move it into the spool and journal it as built — or, when the same content
 * was journaled before (a push that died after building it), use that entry and drop the new file.
 */
export function journalRunsBatch(
  ctx: AgentContext,
  dataset: string,
  sourcePath: string,
  built: BuiltRuns,
): { entry: JournalEntry; existing: boolean } {
  const same = ctx.journal.findByContent('experiments', dataset, built.digest.sha256);
  if (same !== undefined) {
    rmSync(built.path, { force: true });
    return { entry: same, existing: true };
  }
  const now = ctx.now();
  const batchId = formatBatchId(now, built.digest.sha256.slice(0, 12));
  const spoolPath = ctx.journal.spoolPathFor(batchId);
  renameSync(built.path, spoolPath);
  fsyncDir(ctx.journal.spoolDir);
  const manifest: ManifestV1 = {
    formatVersion: 1,
    batchId,
    kind: 'experiments',
    dataset,
    frequency: 'day',
    dateRange: built.dateRange,
    columns: [],
    rowCount: built.lines,
    payload: {
      key: formatBatchKey({ area: 'incoming', kind: 'experiments', dataset, batchId, file: 'data.jsonl.gz' }),
      format: 'jsonl',
      compression: 'gzip',
      ...built.digest,
    },
    producer: { ...ctx.producer, sourcePath },
    createdAt: now.toISOString(),
  };
  return { entry: ctx.journal.saveBuilt(manifest, spoolPath, now), existing: false };
}

/** Upload a journaled batch (payload, CRC check, manifest last); an entry already uploaded is left as it is. */
export async function uploadRunsBatch(
  ctx: AgentContext,
  entry: JournalEntry,
  existing: boolean,
): Promise<JournalEntry> {
  if (existing && entry.state !== 'built' && entry.state !== 'uploading') return entry;
  return upload(ctx, entry, existing);
}
