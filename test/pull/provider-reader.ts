import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A qlib provider directory read back from the format description alone (qlib's scripts/dump_bin.py and
 * qlib/data/storage/file_storage.py), not with the agent's code: calendars/day.txt one date a line;
 * instruments/all.txt `SYMBOL<TAB>start<TAB>end`; features/<symbol lower-case>/<field lower-case>.day.bin
 * little-endian float32, element 0 the start index into the calendar, then one value per calendar day. Only the
 * values inside the calendar are read, as qlib reads them.
 */
export interface ProviderView {
  days: string[];
  instruments: Record<string, [string, string]>;
  /** `<dir>/<file>` → day → the float32's bit pattern (NaN values are left out). */
  values: Record<string, Record<string, number>>;
}

export function readProvider(dir: string): ProviderView {
  const days = readFileSync(join(dir, 'calendars', 'day.txt'), 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  const instruments: ProviderView['instruments'] = {};
  for (const line of readFileSync(join(dir, 'instruments', 'all.txt'), 'utf8').split('\n')) {
    if (line === '') continue;
    const [code, start, end] = line.split('\t') as [string, string, string];
    instruments[code] = [start, end];
  }
  const values: ProviderView['values'] = {};
  const features = join(dir, 'features');
  if (!existsSync(features)) return { days, instruments, values };
  for (const symbol of readdirSync(features).sort()) {
    for (const file of readdirSync(join(features, symbol)).sort()) {
      const bytes = readFileSync(join(features, symbol, file));
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const start = view.getFloat32(0, true);
      const count = Math.floor(bytes.byteLength / 4) - 1;
      const series: Record<string, number> = {};
      for (let i = 0; i < count && start + i < days.length; i++) {
        const v = view.getFloat32(4 * (i + 1), true);
        if (!Number.isNaN(v)) series[days[start + i] as string] = view.getUint32(4 * (i + 1), true);
      }
      values[`${symbol}/${file}`] = series;
    }
  }
  return { days, instruments, values };
}

/** The bit pattern of a number rounded to float32, as a .bin file holds it. */
export function float32Bits(v: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, v, true);
  return view.getUint32(0, true);
}
