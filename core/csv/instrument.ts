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
