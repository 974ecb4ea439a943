import { normal } from './seeded-random.js';

/**
 * Value generators of the qlib fixture: a price random walk per instrument (open/close/high/low around
 * it, log-normal volume, a stepwise adjustment factor) and normal(0,1)·10^k for any other field.
 */

/** A run of 1–5 suspended days for a quarter of the instruments. */
export function suspension(length: number, random: () => number): (day: number) => boolean {
  if (random() >= 0.25 || length < 10) return () => false;
  const from = Math.floor(random() * (length - 5));
  const to = from + Math.floor(random() * 5);
  return (day) => day >= from && day <= to;
}

export interface PriceSeries {
  close: Float64Array;
  open: Float64Array;
  /** The instrument's cumulative adjustment factor before the first step (qlib's $factor differs per stock). */
  factorBase: number;
}

export function priceSeries(length: number, random: () => number): PriceSeries {
  const close = new Float64Array(length);
  const open = new Float64Array(length);
  let price = 5 + random() * 95;
  for (let d = 0; d < length; d++) {
    open[d] = price * (1 + normal(random) * 0.005);
    price = Math.max(0.5, price * (1 + normal(random) * 0.02));
    close[d] = price;
  }
  return { close, open, factorBase: 0.2 + random() * 4 };
}

export function fieldValue(
  field: string,
  index: number,
  day: number,
  series: PriceSeries | undefined,
  random: () => number,
): number {
  if (series === undefined) return normal(random) * 10 ** ((index % 7) - 3);
  const close = series.close[day] as number;
  const open = series.open[day] as number;
  switch (field) {
    case 'close':
      return close;
    case 'open':
      return open;
    case 'high':
      return Math.max(open, close) * (1 + random() * 0.01);
    case 'low':
      return Math.min(open, close) * (1 - random() * 0.01);
    case 'volume':
      return Math.round(Math.exp(12 + normal(random)));
    case 'factor':
      return series.factorBase * (1 + Math.floor(day / 60) * 0.05);
    default:
      return normal(random) * 10 ** ((index % 7) - 3);
  }
}
