/**
 * Which (date, instrument id) pairs a batch has shown, for DUPLICATE_KEY, in memory proportional to the rows.
 * Each date keeps a bitset (a bit per instrument id: 250 days × 5000 instruments is 156 KiB, where a Set of keys
 * took ~40 MiB) plus a Set of the ids beyond it. The bitset only grows while it stays dense (at most 4 bytes per
 * id seen on the date), so rows with very high ids on many dates cannot allocate a large bitset each.
 */
export class SeenPairs {
  private readonly dates: DatePairs[] = [];

  /** Record the pair; false when it was seen before. */
  add(dateIndex: number, id: number): boolean {
    let date = this.dates[dateIndex];
    if (date === undefined) {
      date = { bits: EMPTY, extra: new Set(), count: 0 };
      this.dates[dateIndex] = date;
    }
    if (id < date.bits.length * 8) {
      if (!setBit(date.bits, id)) return false;
    } else {
      if (date.extra.has(id)) return false;
      date.extra.add(id);
      // Tried at 64, 128, 256 … extra ids: amortised O(1) per row whether or not the bitset may grow.
      const size = date.extra.size;
      if (size >= 64 && (size & (size - 1)) === 0) regrow(date, date.count + 1);
    }
    date.count += 1;
    return true;
  }
}

interface DatePairs {
  bits: Uint8Array;
  /** Ids at or beyond the bitset's end. */
  extra: Set<number>;
  count: number;
}

const EMPTY = new Uint8Array(0);

/** Move the extra ids into a larger bitset when it stays within 4 bytes per id seen (else keep the Set). */
function regrow(date: DatePairs, count: number): void {
  let max = 0;
  for (const id of date.extra) if (id > max) max = id;
  const needed = (max >> 3) + 1;
  const budget = count * 4;
  if (needed > budget) return;
  const bits = new Uint8Array(Math.min(budget, Math.max(needed, date.bits.length * 2, 64)));
  bits.set(date.bits);
  for (const id of date.extra) setBit(bits, id);
  date.bits = bits;
  date.extra = new Set();
}

function setBit(bits: Uint8Array, id: number): boolean {
  const mask = 1 << (id & 7);
  const byte = bits[id >> 3] as number;
  if ((byte & mask) !== 0) return false;
  bits[id >> 3] = byte | mask;
  return true;
}
