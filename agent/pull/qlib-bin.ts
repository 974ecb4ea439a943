/**
 * qlib's feature file (docs/pull.md, "The files"): little-endian float32, element 0 the start index into
 * calendars/day.txt, then one value per calendar day from there, NaN where there is none. qlib reads
 * `features/<code_to_fname(code).lower()>/<field.lower()>.day.bin`
 * (https://github.com/microsoft/qlib/blob/main/qlib/data/storage/file_storage.py, scripts/dump_bin.py).
 */

/** The file's bytes: the start index, then the values (float32 LE on every platform). */
export function encodeBin(start: number, values: Float32Array): Buffer {
  const out = Buffer.allocUnsafe(4 * (values.length + 1));
  out.writeFloatLE(start, 0);
  for (let i = 0; i < values.length; i++) out.writeFloatLE(values[i] as number, 4 * (i + 1));
  return out;
}

/** Only the values, as appended after the last one. */
export function encodeValues(values: Float32Array): Buffer {
  const out = Buffer.allocUnsafe(4 * values.length);
  for (let i = 0; i < values.length; i++) out.writeFloatLE(values[i] as number, 4 * i);
  return out;
}

/** The feature file of a field: `<field.lower()>.day.bin`. */
export function featureFile(field: string): string {
  return `${field.toLowerCase()}.day.bin`;
}
