import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
} from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { formatProblems, TerminalError } from '../../core/errors.js';
import { checkWith } from '../../core/schema.js';
import { isTempFile, writeFileAtomic } from '../journal/atomic-file.js';
import type { Journal } from '../journal/journal.js';

/**
 * How far each instrument of a factors dataset has been sent, as of one batch: `<journal>/sent/<batch-id>.json`,
 * written when the batch is journaled. `push --since-last` (and `watch`) read the one of the latest batch
 * that was not rejected, to send what appeared later for dates already sent and to notice history that was
 * rewritten under them (docs/agent.md, "Late values and rewritten history"). Calendar positions are indices
 * into calendars/day.txt; the digest of the calendar up to `throughIndex` proves they still mean the same dates.
 */
export const SENT_FORMAT_VERSION = 1;

const RANGE = z.tuple([z.int().min(0), z.int().min(0)]);

const INSTRUMENT = z.strictObject({
  /** The first calendar index digested: where the instrument entered the record. */
  from: z.int().min(0),
  /** Calendar index ranges of the rows sent. */
  rows: z.array(RANGE),
  /** Per field (in `fields` order) the last calendar index whose value was sent; -1: no file. One number: all. */
  ends: z.union([z.int().min(-1), z.array(z.int().min(-1))]),
  /** CRC-32 (8 hex) over every field file's bytes from `from` to its end, and its start index. */
  digest: z.string().regex(/^[0-9a-f]{8}$/),
});

const SELECTION = z.union([
  z.strictObject({ market: z.string() }),
  z.strictObject({ instruments: z.array(z.string()) }),
]);

const SENT_STATE = z.strictObject({
  formatVersion: z.literal(SENT_FORMAT_VERSION),
  dataset: z.string(),
  batchId: z.string(),
  root: z.string(),
  fields: z.array(z.string()).min(1),
  selection: SELECTION,
  /** The first date of the record (the earliest start of the batches it covers). */
  firstDate: z.iso.date(),
  through: z.iso.date(),
  throughIndex: z.int().min(0),
  calendarDigest: z.string().regex(/^[0-9a-f]{8}$/),
  instruments: z.record(z.string(), INSTRUMENT),
});

export type InstrumentSent = z.output<typeof INSTRUMENT>;
export type SentState = z.output<typeof SENT_STATE>;
export type SentSelection = z.output<typeof SELECTION>;

/** How many records a dataset keeps: the latest, and a few to fall back on when it is rejected. */
const KEEP = 5;

/** The directory of the records. */
export function sentDir(journal: Journal): string {
  return join(journal.dir, 'sent');
}

/** Save the record of a batch; older records of its dataset beyond the last few are removed. */
export function saveSentState(journal: Journal, state: SentState): void {
  const dir = sentDir(journal);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileAtomic(join(dir, `${state.batchId}.json`), `${JSON.stringify(state)}\n`);
  const mine = recordsOf(journal, state.dataset);
  for (const old of mine.slice(0, Math.max(0, mine.length - KEEP)))
    rmSync(join(dir, `${old}.json`), { force: true });
}

/**
 * The record of the latest batch of a factors dataset that ingest did not reject (a rejected batch sent
 * nothing, so the record before it holds); undefined when there is none. An unreadable one is an error.
 */
export function latestSentState(journal: Journal, dataset: string): SentState | undefined {
  for (const batchId of recordsOf(journal, dataset).reverse()) {
    const entry = journal.get(batchId);
    if (entry === undefined || entry.state === 'rejected') continue;
    return readSentState(join(sentDir(journal), `${batchId}.json`));
  }
  return undefined;
}

function readSentState(path: string): SentState {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new TerminalError('SENT_STATE_CORRUPT', `${path} is not JSON: ${(cause as Error).message}`, {
      cause,
    });
  }
  const checked = checkWith(SENT_STATE, doc, 'SENT_STATE');
  if (!checked.ok) {
    const message = formatProblems(`${path} is not a record of what was sent`, checked.problems);
    throw new TerminalError('SENT_STATE_CORRUPT', message, { problems: checked.problems, details: { path } });
  }
  return checked.value;
}

/** Batch ids of a dataset's records, oldest first. */
function recordsOf(journal: Journal, dataset: string): string[] {
  const dir = sentDir(journal);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json') && !isTempFile(name))
    .map((name) => name.slice(0, -'.json'.length))
    .sort()
    .filter((batchId) => datasetOf(join(dir, `${batchId}.json`)) === dataset);
}

/** The dataset a record names, from the head of the file (JSON.stringify writes it second). */
function datasetOf(path: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(256);
    const n = readSync(fd, head, 0, head.length, 0);
    return /"dataset":"([a-z0-9_]+)"/.exec(head.subarray(0, n).toString('utf8'))?.[1];
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
