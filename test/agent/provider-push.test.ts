import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FixtureInstrument,
  generateQlibDir,
  type QlibFixture,
  readBin,
} from '../support/qlib-fixture.js';
import { type AgentHarness, manifests, readPayload, startAgentHarness } from './agent-harness.js';

const FIELDS = ['open', 'close', 'high', 'low', 'volume'];

const bins = new Map<string, { start: number; values: Float32Array } | undefined>();

/** What the payload must hold for one instrument and date, read straight from the .bin files. */
function expectedValue(
  fixture: QlibFixture,
  instrument: FixtureInstrument,
  field: string,
  day: number,
): number {
  const path = join(fixture.root, 'features', instrument.featureDir, `${field}.day.bin`);
  if (!bins.has(path)) bins.set(path, existsSync(path) ? readBin(path) : undefined);
  const bin = bins.get(path);
  if (bin === undefined) return Number.NaN;
  const { start, values } = bin;
  const i = day - start;
  return i >= 0 && i < values.length ? (values[i] as number) : Number.NaN;
}

function bits(v: number): number {
  const f = new Float32Array([v]);
  return new Uint32Array(f.buffer)[0] as number;
}

describe('push from a qlib provider directory', () => {
  let h: AgentHarness;
  let fixture: QlibFixture;

  beforeAll(async () => {
    h = await startAgentHarness();
    fixture = generateQlibDir({
      root: join(h.dir, 'qlib'),
      days: 30,
      instruments: 2000,
      fields: FIELDS,
      seed: 7,
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it('uploads every float32 bit for bit, NULL where the .bin has NaN or no coverage', async () => {
    const run = await h.run([
      'push',
      fixture.root,
      '--dataset',
      'cn_daily',
      '--fields',
      FIELDS.join(','),
      '--market',
      'csi300',
      '--json',
    ]);
    expect(run.stderr).not.toContain('"level":"error"');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.status).toBe('uploaded');
    const [manifest] = await manifests(h.store, 'incoming/factors/cn_daily/');
    expect(manifest?.columns).toEqual(FIELDS.map((name) => ({ name, type: 'float32' })));
    const { header, rows } = await readPayload(h.store, manifest!);
    expect(header).toBe(`datetime,instrument,${FIELDS.join(',')}`);
    const bySymbol = new Map(fixture.instruments.map((i) => [i.symbol, i]));
    const dayOf = new Map(fixture.calendar.map((d, i) => [d, i]));
    // Rows: exactly the membership (date, instrument) pairs, ordered by instrument then date.
    const expectedKeys = [...fixture.instruments]
      .sort((a, b) => (a.symbol < b.symbol ? -1 : 1))
      .flatMap((i) =>
        i.memberships.flatMap(([a, b]) => fixture.calendar.slice(a, b + 1).map((d) => `${d} ${i.symbol}`)),
      );
    expect(rows.map((r) => `${r.date} ${r.instrument}`)).toEqual(expectedKeys);
    expect(manifest?.rowCount).toBe(rows.length);
    let nulls = 0;
    let mismatches = 0;
    for (const row of rows) {
      const instrument = bySymbol.get(row.instrument)!;
      FIELDS.forEach((field, c) => {
        const want = expectedValue(fixture, instrument, field, dayOf.get(row.date)!);
        const got = row.values[c];
        if (Number.isNaN(want)) {
          nulls += 1;
          if (got !== null) mismatches += 1;
        } else if (got === null || got === undefined || bits(got) !== bits(want)) mismatches += 1;
      });
    }
    expect(mismatches).toBe(0);
    expect(nulls).toBeGreaterThan(0);
    expect(rows.length).toBeGreaterThan(20_000);
  });
});
