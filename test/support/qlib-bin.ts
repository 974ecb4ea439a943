import { readFileSync, writeFileSync } from 'node:fs';
import { endianness } from 'node:os';

/** qlib .bin files as dump_bin writes them (microsoft/qlib scripts/dump_bin.py), independent of the agent's reader. */

/** Write a .bin exactly as dump_bin does: float32 LE, element 0 the start index. */
export function writeBin(path: string, start: number, values: ArrayLike<number>): void {
  const data = new Float32Array(values.length + 1);
  data[0] = start;
  data.set(Array.from(values), 1);
  writeFileSync(path, littleEndian(data));
}

/** Read a .bin back: its start index and values (independent of the agent's reader). */
export function readBin(path: string): { start: number; values: Float32Array } {
  const bytes = readFileSync(path);
  const values = new Float32Array(bytes.length / 4);
  for (let i = 0; i < values.length; i++) values[i] = bytes.readFloatLE(i * 4);
  return { start: values[0] as number, values: values.subarray(1) };
}

export function binBytes(start: number, values: Float32Array): Buffer {
  const data = new Float32Array(values.length + 1);
  data[0] = start;
  data.set(values, 1);
  return littleEndian(data);
}

export function littleEndian(data: Float32Array): Buffer {
  if (endianness() === 'LE') return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const out = Buffer.allocUnsafe(data.length * 4);
  for (let i = 0; i < data.length; i++) out.writeFloatLE(data[i] as number, i * 4);
  return out;
}
