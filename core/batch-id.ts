import { TerminalError } from './errors.js';

/**
 * Batch ids sort by creation time as plain strings: `20261126T180000123Z-3fa2c1d09e7b`
 * (UTC yyyymmdd 'T' hhmmss + milliseconds 'Z', a dash, then a suffix of [A-Za-z0-9._=-]).
 * The agent uses the first 12 hex digits of the payload's SHA-256 as the suffix.
 */
const BATCH_ID = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z-([A-Za-z0-9._=-]{1,64})$/;

export interface BatchIdParts {
  createdAt: Date;
  suffix: string;
}

/** Format a batch id from its creation time and a suffix. */
export function formatBatchId(createdAt: Date, suffix: string): string {
  const iso = createdAt.toISOString(); // 2026-11-26T18:00:00.123Z
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}${iso.slice(20, 23)}Z`;
  const id = `${stamp}-${suffix}`;
  parseBatchId(id); // the suffix must obey the same rules a reader applies
  return id;
}

/** Parse a batch id; a malformed one is a terminal error (code BATCH_ID_INVALID). */
export function parseBatchId(id: string): BatchIdParts {
  const m = BATCH_ID.exec(id);
  if (m === null) {
    throw new TerminalError(
      'BATCH_ID_INVALID',
      `batch id ${JSON.stringify(id)} is not <yyyymmdd>T<hhmmss><mmm>Z-<suffix of [A-Za-z0-9._=-]>`,
    );
  }
  const [, y, mo, d, h, mi, s, ms, suffix] = m as unknown as [string, ...string[]];
  const createdAt = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`);
  if (Number.isNaN(createdAt.getTime()) || createdAt.toISOString().slice(0, 10) !== `${y}-${mo}-${d}`) {
    throw new TerminalError('BATCH_ID_INVALID', `batch id ${JSON.stringify(id)} has an impossible timestamp`);
  }
  return { createdAt, suffix: suffix as string };
}

/** True when `id` parses. */
export function isBatchId(id: string): boolean {
  return BATCH_ID.test(id) && safeParse(id);
}

function safeParse(id: string): boolean {
  try {
    parseBatchId(id);
    return true;
  } catch {
    return false;
  }
}
