import { TerminalError } from '../../core/errors.js';
import type { WindowRead } from './bin-window.mjs';

// qlib's feature files are little-endian float32, element 0 the start index into the calendar, then the
// values for calendar[start … start+n-1] (microsoft/qlib scripts/dump_bin.py _data_to_bin,
// file_storage.py FileFeatureStorage). Builds read only the calendar window they need (bin-window.mjs).

/** A calendar window [first, first + count) and the calendar's length, which every file must fit in. */
export interface SeriesWindow {
  first: number;
  count: number;
  calendarLength: number;
}

/**
 * Check the shape of every file of a window read: a TerminalError BIN_MALFORMED naming the first malformed
 * file's path and its fault, wherever the window lies. `path` makes the path only for the error (a build
 * reads 790k files and names none of them).
 */
export function checkShapes(read: WindowRead, window: SeriesWindow, path: (i: number) => string): void {
  for (let i = 0; 2 * i < read.shape.length; i++) {
    const size = read.shape[2 * i] as number;
    const start = read.shape[2 * i + 1] as number;
    if (size >= 0 && !wellShaped(size, start, window.calendarLength)) {
      checkBinShape(path(i), size, start, window.calendarLength);
    }
  }
}

/** checkBinShape's rules as one test, without a path. */
function wellShaped(size: number, start: number, calendarLength: number): boolean {
  return (
    size % 4 === 0 &&
    size >= 4 &&
    Number.isInteger(start) &&
    start >= 0 &&
    start < calendarLength &&
    start + size / 4 - 1 <= calendarLength
  );
}

/** The rules a .bin's size and start index must meet (dump_bin.py writes nothing else). */
export function checkBinShape(path: string, size: number, start: number, calendarLength: number): void {
  if (size % 4 !== 0) throw malformed(path, `its size ${size} bytes is not a multiple of 4 (float32 values)`);
  if (size < 4) throw malformed(path, 'it is empty (no start index)');
  if (!Number.isInteger(start) || start < 0) {
    throw malformed(path, `its start index ${start} is not a non-negative integer`);
  }
  if (start >= calendarLength) {
    throw malformed(path, `its start index ${start} is past the calendar end (${calendarLength} days)`);
  }
  const length = size / 4 - 1;
  if (start + length > calendarLength) {
    // dump_update appends bins after extending the calendar; bins past it mean a misaligned series.
    throw malformed(
      path,
      `it covers ${start + length - calendarLength} day(s) past the calendar end (${calendarLength} days)`,
    );
  }
}

function malformed(path: string, why: string): TerminalError {
  return new TerminalError('BIN_MALFORMED', `malformed qlib feature file ${path}: ${why}`, {
    details: { path },
  });
}
