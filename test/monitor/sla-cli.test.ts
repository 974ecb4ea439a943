import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { showSla, watchedDatasets } from '../../adapters/warehouse/sla-store.js';
import { runSlaCli } from '../../scripts/sla.js';
import { createTestDatabase, type TestDatabase } from '../support/mysql.js';

/** `npm run sla`: SLAs without SQL, over the functions the HTTP API's admin calls reuse (sla-store.ts). */
describe('npm run sla -- show | list | set | reset', () => {
  let db: TestDatabase;
  const cli = async (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runSlaCli(
      args,
      { MYSQL_URL: db.url, USER: 'alice' },
      { out: (l) => out.push(l), err: (l) => err.push(l) },
    );
    return { code, out, err };
  };

  beforeAll(async () => {
    db = await createTestDatabase('sla_cli');
    await db.pool.query(
      `INSERT INTO datasets (dataset, kind, table_name, created_at, updated_at) VALUES
       ('sl_daily', 'factors', 'f_sl_daily', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3)),
       ('sl_weekly', 'factors', 'f_sl_weekly', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))`,
    );
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('shows the built-in defaults, and every dataset inherits them', async () => {
    const shown = await cli(['--json', 'show', 'sl_daily']);
    expect(JSON.parse(shown.out[0] ?? '{}')).toEqual({
      dataset: 'sl_daily',
      own: {},
      effective: {
        dataset: 'sl_daily',
        enabled: true,
        calendar: null,
        frequency: 'day',
        timeZone: 'Asia/Shanghai',
        due: '17:00',
        warnAfter: '18:00',
        errorAfter: '20:00',
        driftThreshold: 3.5,
      },
    });
  });

  it('sets, inherits and resets; the default (*) reaches every dataset; who changed it is recorded', async () => {
    expect((await cli(['set', '*', '--due', '16:30', '--warn', '17:30', '--error', '19:00'])).code).toBe(0);
    expect(
      (await cli(['set', 'sl_weekly', '--frequency', 'week', '--error', '09:00+1d', '--calendar', 'cn']))
        .code,
    ).toBe(0);
    const weekly = await showSla(db.pool, 'sl_weekly');
    expect(weekly.effective).toMatchObject({
      frequency: 'week',
      due: '16:30',
      warnAfter: '17:30',
      errorAfter: '09:00+1d',
    });
    // The calendar of a registered dataset is the registry's: ingest checks its dates against it too.
    const [registry] = (
      await db.pool.query("SELECT calendar FROM datasets WHERE dataset = 'sl_weekly'")
    )[0] as Array<{ calendar: string }>;
    expect(registry?.calendar).toBe('cn');
    const [row] = (
      await db.pool.query("SELECT updated_by FROM dataset_slas WHERE dataset = 'sl_weekly'")
    )[0] as Array<{ updated_by: string }>;
    expect(row?.updated_by).toBe('alice');

    expect((await cli(['set', 'sl_weekly', '--inherit', 'error,frequency'])).code).toBe(0);
    expect((await showSla(db.pool, 'sl_weekly')).effective).toMatchObject({
      frequency: 'day',
      errorAfter: '19:00',
    });
    expect((await cli(['set', 'sl_daily', '--off', '--drift', 'off'])).code).toBe(0);
    const watched = await watchedDatasets(db.pool);
    expect(watched.map((w) => [w.sla.dataset, w.sla.enabled, w.sla.driftThreshold, w.sla.due])).toEqual([
      ['sl_daily', false, null, '16:30'],
      ['sl_weekly', true, 3.5, '16:30'],
    ]);
    expect((await cli(['reset', 'sl_daily'])).out).toEqual(['sl_daily: reset']);
    expect((await showSla(db.pool, 'sl_daily')).effective).toMatchObject({
      enabled: true,
      driftThreshold: 3.5,
    });
    expect((await cli(['reset', '*'])).code).toBe(0);
  });

  it('refuses bad settings with every problem at once, and times out of order (exit 2, nothing changed)', async () => {
    const bad = await cli([
      'set',
      'sl_daily',
      '--due',
      '25:00',
      '--tz',
      'Mars/Olympus',
      '--frequency',
      'hourly',
      '--drift',
      '-1',
    ]);
    expect(bad.code).toBe(2);
    const text = bad.err.join('\n');
    for (const path of ['$.due', '$.timeZone', '$.frequency', '$.driftThreshold'])
      expect(text).toContain(path);
    const order = await cli(['set', 'sl_daily', '--warn', '16:00']);
    expect(order).toMatchObject({
      code: 2,
      err: [
        expect.stringContaining('SLA_ORDER: the SLA of sl_daily would have warn 16:00 is before due 17:00'),
      ],
    });
    expect((await showSla(db.pool, 'sl_daily')).own).toEqual({});
    expect((await cli(['set', 'sl_daily', '--inherit', 'nope'])).err.join('\n')).toMatch(
      /unknown field nope/,
    );
  });
});
