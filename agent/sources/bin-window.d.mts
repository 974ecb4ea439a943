/** Types of bin-window.mjs (plain JS so reader threads load it anywhere). */

/** An I/O error on one field's file (ENOENT is not one: a missing file is a missing field). */
export interface WindowReadError {
  index: number;
  code: string;
  message: string;
}

/** One instrument's window: per field `[size, start]` in `shape` (size -1: no file), `count` values each. */
export interface WindowRead {
  shape: Float64Array;
  values: Float32Array;
  /** Fields whose file is not spelled `<field>.day.bin`: [index, file name]. */
  renamed: [number, string][];
  errors: WindowReadError[];
  /** With `track`: per field the CRC-32 of [from, oldEnd] and of [from, newEnd] (bin-digest.mjs). */
  digests: Float64Array | undefined;
}

/** What to digest of each field file: calendar indices from `from` to `oldEnds[i]` and to `newEnd`. */
export interface DigestRequest {
  from: number;
  oldEnds: readonly number[];
  newEnd: number;
}

export function readWindows(
  dir: string | undefined,
  fields: readonly string[],
  first: number,
  count: number,
  track?: DigestRequest,
): WindowRead;
