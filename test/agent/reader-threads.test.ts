import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildPayload } from '../../agent/build/batch-builder.js';
import { openProviderSource, type ProviderOptions } from '../../agent/sources/provider-source.js';
import { DEFAULT_POLICY } from '../../core/quality/policy.js';
import { generateQlibDir, type QlibFixture } from '../support/qlib-fixture.js';

/** The reader threads (bin-reader-pool) must give exactly what reading in the main thread gives. */
describe('feature files read on reader threads', () => {
  let fixture: QlibFixture;
  let spool: string;
  // A fresh qlib directory per test: one test corrupts a feature file on purpose.
  beforeEach(() => {
    const root = mkdtempSync(join(tmpdir(), 'qlib-threads-'));
    fixture = generateQlibDir({ root: join(root, 'qlib'), days: 25, instruments: 300, seed: 7 });
    spool = join(root, 'spool');
    mkdirSync(spool);
  });
  afterEach(() => rmSync(join(fixture.root, '..'), { recursive: true, force: true }));

  const build = (readers: number, patch: Partial<ProviderOptions> = {}) =>
    buildPayload(
      openProviderSource({
        root: fixture.root,
        dataset: 'threads',
        fields: fixture.fields,
        selection: { market: fixture.market },
        readers,
        ...patch,
      }),
      { spoolDir: spool, policy: DEFAULT_POLICY },
    );

  it('builds a byte-identical payload with 0, 1 and 3 reader threads', async () => {
    const inline = await build(0);
    for (const readers of [1, 3]) {
      const threaded = await build(readers);
      expect(threaded.digest).toEqual(inline.digest);
      expect(threaded.rowCount).toBe(inline.rowCount);
    }
    expect(inline.rowCount).toBeGreaterThan(3000);
  });

  it('cuts a one-day window the same way (the nightly incremental push)', async () => {
    const last = fixture.calendar.at(-1) as string;
    const inline = await build(0, { start: last, end: last });
    const threaded = await build(2, { start: last, end: last });
    expect(threaded.digest).toEqual(inline.digest);
    expect(threaded.dateRange).toEqual({ start: last, end: last });
  });

  it('reports a malformed file found by a thread with its path', async () => {
    const instrument = fixture.instruments.find(
      (i) => i.missingFields.length === 0,
    ) as QlibFixture['instruments'][number];
    const path = join(fixture.root, 'features', instrument.featureDir, 'close.day.bin');
    writeFileSync(path, Buffer.alloc(7));
    await expect(build(2)).rejects.toMatchObject({
      code: 'BIN_MALFORMED',
      message: expect.stringContaining(path),
    });
  });
});
