/**
 * What following the record of what was sent costs a daily push (docs/agent.md, "Late values and
 * rewritten history"): the same 1-day build of a generated qlib directory, without and with the record's
 * check, in the same run. With the check every feature file is hashed (CRC-32) from the record's first
 * date to the last date sent — here a record that goes back to the first day, the worst case. Prints the
 * medians and the ratio. Asserts nothing.
 * Run: npm run bench -- agent-late, or npx tsx bench/agent-late.ts [instruments] [fields] [days]
 * The generated directory is cached under .bench-data/ (gitignored).
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPayload } from '../agent/build/batch-builder.js';
import type { SentState } from '../agent/sent/sent-state.js';
import { SentTracker } from '../agent/sent/tracker.js';
import { openProviderSource } from '../agent/sources/provider-source.js';
import { readCalendar } from '../agent/sources/qlib-dir.js';
import { DEFAULT_POLICY } from '../core/quality/policy.js';
import { ALPHA158_FIELDS, generateQlibDir } from '../test/support/qlib-fixture.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const CACHE = join(ROOT, '.bench-data');
const RUNS = Number(process.env.QLIB_BENCH_RUNS ?? 3);

/** Entry point for bench/main.ts. */
export async function run(instruments = 2000, fieldCount = 40, days = 1000): Promise<void> {
  const fields = ALPHA158_FIELDS.slice(0, fieldCount);
  const root = fixture(instruments, fields, days);
  const calendar = readCalendar(root);
  const last = calendar.length - 1;
  const record = fullRecord(root, fields, calendar, instruments);
  const plain: number[] = [];
  const tracked: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    plain.push(await build(root, fields, calendar[last] as string, undefined));
    tracked.push(await build(root, fields, calendar[last] as string, record));
  }
  const hashed = instruments * fields.length * days * 4;
  const p = median(plain);
  const t = median(tracked);
  console.log(
    [
      `record check on a 1-day build: ${instruments} instruments × ${fields.length} fields × ${days} days (${(hashed / 1e9).toFixed(2)} GB of feature files)`,
      `  without ${(p / 1000).toFixed(2)} s, with ${(t / 1000).toFixed(2)} s (medians of ${RUNS}) → ratio ${(t / p).toFixed(2)}, ${(hashed / 1e6 / ((t - p) / 1000)).toFixed(0)} MB/s hashed on top`,
    ].join('\n'),
  );
}

async function build(
  root: string,
  fields: string[],
  start: string,
  record: SentState | undefined,
): Promise<number> {
  const spool = join(CACHE, 'late-spool');
  mkdirSync(spool, { recursive: true });
  const t = performance.now();
  const source = openProviderSource({
    root,
    dataset: 'bench',
    fields,
    selection: { market: 'all' },
    start,
    ...(record === undefined
      ? {}
      : {
          track: ({ calendar, first, last }) =>
            new SentTracker(
              {
                dataset: 'bench',
                root,
                fields,
                selection: { market: 'all' },
                calendar,
                first,
                last,
              },
              record,
            ),
        }),
  });
  const built = await buildPayload(source, { spoolDir: spool, policy: DEFAULT_POLICY });
  const ms = performance.now() - t;
  rmSync(built.path, { force: true });
  return ms;
}

/** A record as of the day before the last, begun on the first day: the whole history is hashed. */
function fullRecord(root: string, fields: string[], calendar: string[], instruments: number): SentState {
  const through = calendar.length - 2;
  const entry = { from: 0, rows: [[0, through] as [number, number]], ends: through, digest: '00000000' };
  const all = Array.from({ length: instruments }, (_, i) =>
    i % 2 === 0 ? `SH${600000 + i}` : `SZ${String(i).padStart(6, '0')}`,
  );
  return {
    formatVersion: 1,
    dataset: 'bench',
    batchId: 'bench',
    root,
    fields,
    selection: { market: 'all' },
    firstDate: calendar[0] as string,
    through: calendar[through] as string,
    throughIndex: through,
    calendarDigest: '00000000',
    instruments: Object.fromEntries(all.map((s) => [s, entry])),
  };
}

function fixture(instruments: number, fields: string[], days: number): string {
  const dir = join(CACHE, `qlib-late-${instruments}x${fields.length}-${days}d`);
  if (existsSync(join(dir, '.complete'))) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  console.log(`generating ${dir} (once; cached)…`);
  generateQlibDir({ root: dir, days, instruments, fields, seed: 7, realistic: false, upperCaseRate: 0 });
  writeFileSync(join(dir, '.complete'), '');
  return dir;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [instruments, fields, days] = process.argv.slice(2).map(Number);
  await run(instruments || undefined, fields || undefined, days || undefined);
}
