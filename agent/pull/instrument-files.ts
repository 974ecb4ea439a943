import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { featureDirName } from '../../core/csv/instrument.js';
import { columnsOf, valueSpan } from './columns.js';
import { appendAt, linkTrimmed, type PendingSyncs, writeNew } from './file-ops.js';
import { encodeBin, encodeValues, featureFile } from './qlib-bin.js';
import type { InstrumentRows } from './values-fetch.js';

/** The two calendars of one pull and which committed days the new snapshot may have changed. */
export interface Calendars {
  oldDays: readonly string[];
  newDays: readonly string[];
  /** Old calendar index → new index, or -1 when the day left the calendar. */
  oldToNew: Int32Array;
  /** Old calendar indices whose rows the new snapshot may have replaced (restated, or moved by the calendar). */
  windowOld: Uint8Array;
  /** The new calendar starts with the old one: committed indices stay valid. */
  appendOnly: boolean;
}

/** An instrument of the committed generation: its files span old calendar indices [start, end]. */
export interface OldSpan {
  start: number;
  end: number;
}

export interface Placement {
  /** The new span (new calendar indices), or null: the instrument has no values and no files. */
  span: OldSpan | null;
  how: 'linked' | 'appended' | 'rewritten' | 'new' | 'dropped';
  bytes: number;
  files: { written: number; appended: number; linked: number };
}

export interface PlaceContext {
  fields: readonly string[];
  cal: Calendars;
  /** features/ of the committed generation, or null. */
  oldFeatures: string | null;
  newFeatures: string;
  /** Every write is fsynced before the commit, together (file-ops.ts). */
  syncs: PendingSyncs;
}

/**
 * Put one instrument's files into the new generation, touching only what changed (docs/pull.md, "Incremental"):
 * unchanged files are hard links; new days after a file that ends on the last committed day are appended in
 * place; files the new snapshot changed otherwise are rewritten, and a rewritten file equal to the old one is
 * linked after all. A file spans the instrument's first to last day with a value in any pulled field.
 */
export function placeInstrument(
  ctx: PlaceContext,
  code: string,
  rows: InstrumentRows | undefined,
  old: OldSpan | undefined,
): Placement {
  const dir = featureDirName(code);
  const fetched = rowSpan(rows, ctx.fields.length);
  const oldTouched = old !== undefined && touches(ctx.cal.windowOld, old);
  const oldDir = old === undefined || ctx.oldFeatures === null ? null : join(ctx.oldFeatures, dir);
  const newDir = join(ctx.newFeatures, dir);
  const committedBytes = old === undefined ? 0 : 4 * (old.end - old.start + 2);
  if (oldDir !== null && old !== undefined && !oldTouched) {
    if (fetched === null) {
      mkdirSync(newDir);
      for (const f of ctx.fields)
        linkTrimmed(join(oldDir, featureFile(f)), join(newDir, featureFile(f)), committedBytes, ctx.syncs);
      return {
        span: old,
        how: 'linked',
        bytes: 0,
        files: { written: 0, appended: 0, linked: ctx.fields.length },
      };
    }
    const appendFrom = ctx.cal.oldDays.length;
    if (ctx.cal.appendOnly && old.end === appendFrom - 1 && fetched.start >= appendFrom) {
      return appendDays(ctx, rows as InstrumentRows, old, fetched.end, oldDir, newDir, committedBytes);
    }
  }
  return rewrite(ctx, rows, old, oldDir, newDir, committedBytes);
}

function appendDays(
  ctx: PlaceContext,
  rows: InstrumentRows,
  old: OldSpan,
  end: number,
  oldDir: string,
  newDir: string,
  committedBytes: number,
): Placement {
  mkdirSync(newDir);
  const from = old.end + 1;
  let bytes = 0;
  ctx.fields.forEach((field, f) => {
    const tail = new Float32Array(end - from + 1).fill(Number.NaN);
    for (let i = from; i <= end; i++) {
      const row = rows.get(i);
      if (row !== undefined) tail[i - from] = row[f] as number;
    }
    const encoded = encodeValues(tail);
    const path = join(oldDir, featureFile(field));
    appendAt(path, committedBytes, encoded, ctx.syncs);
    linkTrimmed(path, join(newDir, featureFile(field)), committedBytes + encoded.length, ctx.syncs);
    bytes += encoded.length;
  });
  const files = { written: 0, appended: ctx.fields.length, linked: 0 };
  return { span: { start: old.start, end }, how: 'appended', bytes, files };
}

function rewrite(
  ctx: PlaceContext,
  rows: InstrumentRows | undefined,
  old: OldSpan | undefined,
  oldDir: string | null,
  newDir: string,
  committedBytes: number,
): Placement {
  const columns = columnsOf(undefined, ctx.fields.length, ctx.cal.newDays.length);
  if (old !== undefined && oldDir !== null) keepOldValues(ctx, old, oldDir, columns);
  for (const [day, values] of rows ?? []) {
    for (let f = 0; f < ctx.fields.length; f++) (columns[f] as Float32Array)[day] = values[f] as number;
  }
  const span = valueSpan(columns);
  if (span === null)
    return { span: null, how: 'dropped', bytes: 0, files: { written: 0, appended: 0, linked: 0 } };
  mkdirSync(newDir);
  const placed: Placement = {
    span,
    how: old === undefined ? 'new' : 'rewritten',
    bytes: 0,
    files: { written: 0, appended: 0, linked: 0 },
  };
  // The new file may still be the old one plus days after the committed calendar's end: append those in place.
  const canAppend =
    old !== undefined &&
    ctx.cal.appendOnly &&
    old.end === ctx.cal.oldDays.length - 1 &&
    span.start === old.start;
  ctx.fields.forEach((field, f) => {
    const encoded = encodeBin(span.start, (columns[f] as Float32Array).subarray(span.start, span.end + 1));
    const oldPath = oldDir === null ? null : join(oldDir, featureFile(field));
    const before = oldPath === null ? null : committedPrefix(oldPath, committedBytes);
    const newPath = join(newDir, featureFile(field));
    if (oldPath !== null && before?.equals(encoded)) {
      linkTrimmed(oldPath, newPath, committedBytes, ctx.syncs);
      placed.files.linked += 1;
    } else if (
      oldPath !== null &&
      canAppend &&
      before?.length === committedBytes &&
      encoded.length > committedBytes &&
      encoded.subarray(0, committedBytes).equals(before)
    ) {
      appendAt(oldPath, committedBytes, encoded.subarray(committedBytes), ctx.syncs);
      linkTrimmed(oldPath, newPath, encoded.length, ctx.syncs);
      placed.files.appended += 1;
      placed.bytes += encoded.length - committedBytes;
    } else {
      writeNew(newPath, encoded, ctx.syncs);
      placed.files.written += 1;
      placed.bytes += encoded.length;
    }
  });
  if (placed.files.written === 0 && old !== undefined)
    placed.how = placed.files.appended > 0 ? 'appended' : 'linked';
  return placed;
}

/** The committed values the new snapshot did not replace, moved to their new calendar index. */
function keepOldValues(ctx: PlaceContext, old: OldSpan, oldDir: string, columns: Float32Array[]): void {
  const { windowOld, oldToNew } = ctx.cal;
  const n = old.end - old.start + 1;
  ctx.fields.forEach((field, f) => {
    const bytes = committedPrefix(join(oldDir, featureFile(field)), 4 * (n + 1));
    if (bytes === null) return;
    const column = columns[f] as Float32Array;
    for (let j = 0; j < n && 4 * (j + 2) <= bytes.length; j++) {
      const oi = old.start + j;
      const ni = oldToNew[oi] ?? -1;
      if (windowOld[oi] === 1 || ni < 0) continue;
      column[ni] = bytes.readFloatLE(4 * (j + 1));
    }
  });
}

function committedPrefix(path: string, bytes: number): Buffer | null {
  try {
    const all = readFileSync(path);
    return all.length >= bytes ? all.subarray(0, bytes) : all;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function touches(window: Uint8Array, span: OldSpan): boolean {
  for (let i = span.start; i <= span.end; i++) if (window[i] === 1) return true;
  return false;
}

/** First and last calendar index where any field has a value in the fetched rows. */
function rowSpan(rows: InstrumentRows | undefined, width: number): OldSpan | null {
  let start = Number.POSITIVE_INFINITY;
  let end = -1;
  for (const [day, values] of rows ?? []) {
    let any = false;
    for (let f = 0; f < width && !any; f++) any = !Number.isNaN(values[f] as number);
    if (!any) continue;
    start = Math.min(start, day);
    end = Math.max(end, day);
  }
  return end < 0 ? null : { start, end };
}
