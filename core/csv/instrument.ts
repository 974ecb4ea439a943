/**
 * Instrument codes as the payload carries them: 1–64 bytes of printable ASCII 0x21–0x7E except `,` `"` `\`.
 * Stored verbatim (SH600000, BRK.B, even x');DROP): the loader binds values, it never splices them into SQL,
 * and the excluded characters are exactly those that would need quoting in CSV or LOAD DATA.
 */

export const MAX_INSTRUMENT_LENGTH = 64;

/** True when `code` is a storable instrument code. */
export function isValidInstrument(code: string): boolean {
  if (code.length < 1 || code.length > MAX_INSTRUMENT_LENGTH) return false;
  for (let i = 0; i < code.length; i++) {
    if (!isInstrumentByte(code.charCodeAt(i))) return false;
  }
  return true;
}

/** Same rule over bytes `buf[start..end)`. */
export function isValidInstrumentBytes(buf: Uint8Array, start: number, end: number): boolean {
  if (end - start < 1 || end - start > MAX_INSTRUMENT_LENGTH) return false;
  for (let i = start; i < end; i++) {
    if (!isInstrumentByte(buf[i]!)) return false;
  }
  return true;
}

/** Printable ASCII without `,` (0x2C), `"` (0x22) and `\` (0x5C). */
export function isInstrumentByte(c: number): boolean {
  return c >= 0x21 && c <= 0x7e && c !== 0x2c && c !== 0x22 && c !== 0x5c;
}

/**
 * The canonical spelling of an instrument code, as qlib writes it: upper case (`sh600000` → `SH600000`).
 * qlib's dump_bin.py stores `fname_to_code(symbol.lower()).upper()` in instruments/*.txt and names the feature
 * directory `code_to_fname(code).lower()` (microsoft/qlib scripts/dump_bin.py, qlib/utils/__init__.py), so
 * `sh600000` and `SH600000` are one instrument. Only ASCII letters change: codes are printable ASCII.
 */
export function canonicalInstrument(code: string): string {
  return hasLowerCase(code) ? code.replace(/[a-z]+/g, (s) => s.toUpperCase()) : code;
}

/** True when `code` has an ASCII lower-case letter (the codec rewrites such a code). */
export function hasLowerCase(code: string): boolean {
  for (let i = 0; i < code.length; i++) {
    const c = code.charCodeAt(i);
    if (c >= 0x61 && c <= 0x7a) return true;
  }
  return false;
}

/** Upper-case the ASCII letters of `buf[start..end)` in place; true when any byte changed. */
export function upperCaseInstrumentBytes(buf: Uint8Array, start: number, end: number): boolean {
  let changed = false;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c >= 0x61 && c <= 0x7a) {
      buf[i] = c - 0x20;
      changed = true;
    }
  }
  return changed;
}

/** Windows device names qlib prefixes with `_qlib_` when it names a feature directory (qlib/utils code_to_fname). */
const DEVICE_NAMES = new Set([
  'CON',
  'PRN',
  'AUX',
  'NUL',
  ...Array.from({ length: 10 }, (_, i) => `COM${i}`),
  ...Array.from({ length: 10 }, (_, i) => `LPT${i}`),
]);

/** The feature directory qlib writes for an instrument: `features/<this>/` (code_to_fname(code).lower()). */
export function featureDirName(code: string): string {
  const canonical = canonicalInstrument(code);
  return (DEVICE_NAMES.has(canonical) ? `_qlib_${canonical}` : canonical).toLowerCase();
}

/** The instrument code of a feature directory name (fname_to_code(name.lower()).upper()). */
export function instrumentOfFeatureDir(name: string): string {
  const lower = name.toLowerCase();
  return canonicalInstrument(lower.startsWith('_qlib_') ? lower.slice('_qlib_'.length) : lower);
}

/**
 * The line itself when its instrument is already canonical (upper case), else a copy with the instrument's
 * letters upper-cased: what reaches MySQL is the canonical code (instrument.ts canonicalInstrument).
 */
export function canonicalLine(
  buf: Buffer,
  start: number,
  end: number,
  instrumentStart: number,
  instrumentEnd: number,
): Buffer {
  let lower = false;
  for (let i = instrumentStart; i < instrumentEnd && !lower; i++) lower = buf[i]! >= 0x61 && buf[i]! <= 0x7a;
  if (!lower) return buf.subarray(start, end + 1);
  const copy = Buffer.from(buf.subarray(start, end + 1));
  upperCaseInstrumentBytes(copy, instrumentStart - start, instrumentEnd - start);
  return copy;
}
