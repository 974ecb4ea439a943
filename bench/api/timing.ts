/** Small timing helpers for the API bench: figures only, never assertions. */

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Run `work` `runs` times (after `warm` unmeasured runs); the milliseconds of each measured run. */
export async function timed(
  runs: number,
  warm: number,
  work: (i: number) => Promise<unknown>,
): Promise<number[]> {
  for (let i = 0; i < warm; i++) await work(-1 - i);
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await work(i);
    out.push(performance.now() - started);
  }
  return out;
}

/** `p50 1.2 ms, p95 3.4 ms (n)` */
export function latency(ms: readonly number[]): string {
  return `p50 ${fmt(percentile(ms, 50))} ms, p95 ${fmt(percentile(ms, 95))} ms (${ms.length} requests)`;
}

export function fmt(ms: number): string {
  return ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0);
}

export function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}
