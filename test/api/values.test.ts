import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureInstrumentIndex } from '../../adapters/warehouse/factor-tables.js';
import { type ColumnSpec, formatFloat32 } from '../../core/csv/index.js';
import { businessDays, type FactorRow, makeBatch } from '../ingest/batch-builder.js';
import { type ApiEnvironment, startApi } from './api-harness.js';

const DAYS = businessDays('2024-03-01', 10);
const COLUMNS: ColumnSpec[] = [
  { name: 'KMID', type: 'float32' },
  { name: 'ROC5', type: 'float32' },
  { name: 'VWAP0', type: 'float32' },
  { name: 'LABEL0', type: 'float64' },
];
const INSTRUMENTS = Array.from({ length: 30 }, (_, i) => `SH6${String(i).padStart(5, '0')}`);

/** 10 days × 30 instruments; every 7th value NULL; float32 columns hold float32 values, LABEL0 a double. */
function rows(): FactorRow[] {
  const out: FactorRow[] = [];
  let n = 0;
  for (const date of DAYS) {
    for (const instrument of INSTRUMENTS) {
      const values = COLUMNS.map((c, j) => {
        n += 1;
        if (n % 7 === 0) return Number.NaN;
        const v = Math.sin(n * 12.9898 + j) * 10 ** ((n % 5) - 2);
        return c.type === 'float32' ? Math.fround(v) : v;
      });
      out.push({ date, instrument, values });
    }
  }
  return out;
}

const ROWS = rows();

/** What the API should answer for a row: the date, the instrument, canonical numbers, NULL as null. */
function expected(row: FactorRow, fields = COLUMNS): unknown[] {
  return [
    row.date,
    row.instrument,
    ...fields.map((f) => {
      const v = row.values[COLUMNS.findIndex((c) => c.name === f.name)] as number;
      if (Number.isNaN(v)) return null;
      return f.type === 'float32' ? Number(formatFloat32(v)) : v;
    }),
  ];
}

interface Page {
  status: number;
  headers: Headers;
  text: string;
}

describe('GET /v1/datasets/{dataset}/values', () => {
  let api: ApiEnvironment;
  let reader: string;
  let batchId: string;

  beforeAll(async () => {
    // Small pages (16 KiB) so the fixture spans several; a low scan limit so a plan without the index is refused.
    api = await startApi('values', {
      API_PAGE_BYTES: '16384',
      API_MAX_INSTRUMENTS: '5',
      API_MAX_SCAN_ROWS: '150',
    });
    expect(await api.push(makeBatch({ kind: 'calendar', dataset: 'cn', days: DAYS }))).toMatchObject({
      status: 'loaded',
    });
    const batch = makeBatch({ dataset: 'alpha', columns: COLUMNS, rows: ROWS });
    expect(await api.push(batch)).toMatchObject({ status: 'loaded', rows_loaded: ROWS.length });
    batchId = batch.batchId;
    reader = await api.token(['read:data'], 'reader');
  });

  afterAll(async () => {
    await api?.close();
  });

  async function page(query: string): Promise<Page> {
    const response = await api.call(`/v1/datasets/alpha/values?${query}`, reader);
    return { status: response.status, headers: response.headers, text: await response.text() };
  }

  /** Follow `next` from the first page to the last; every page's parsed body. */
  async function all(query: string): Promise<{ pages: Page[]; rows: unknown[][] }> {
    const pages: Page[] = [];
    const out: unknown[][] = [];
    let cursor: string | null = null;
    do {
      const p = await page(cursor === null ? query : `${query}&cursor=${cursor}`);
      expect(p.status, p.text).toBe(200);
      const body = JSON.parse(p.text);
      pages.push(p);
      out.push(...body.rows);
      cursor = body.next;
      expect(p.headers.get('x-next-cursor')).toBe(cursor);
    } while (cursor !== null && pages.length < 500);
    return { pages, rows: out };
  }

  it('pages through every row exactly once, in (trade_date, instrument) order, bit-exact, in compact columnar JSON', async () => {
    const { pages, rows: got } = await all('limit=37');
    expect(pages.length).toBe(Math.ceil(ROWS.length / 37));
    expect(got).toEqual(ROWS.map((r) => expected(r)));
    const first = JSON.parse(pages[0]?.text ?? '{}');
    expect(first).toMatchObject({
      dataset: 'alpha',
      fields: ['KMID', 'ROC5', 'VWAP0', 'LABEL0'],
      snapshot: { batchId },
      asOf: null,
      completeThrough: DAYS.at(-1),
      rowCount: 37,
    });
    expect(pages[0]?.headers.get('link')).toMatch(
      /^<\/v1\/datasets\/alpha\/values\?limit=37&cursor=[A-Za-z0-9_-]+>; rel="next"$/,
    );
  });

  it('bounds every page in bytes (API_PAGE_BYTES) when no limit is given, and still serves every row once', async () => {
    const { pages, rows: got } = await all('');
    expect(pages.length).toBeGreaterThan(1);
    for (const p of pages) expect(Buffer.byteLength(p.text)).toBeLessThanOrEqual(16384 + 1024);
    expect(got).toEqual(ROWS.map((r) => expected(r)));
  });

  it('serves CSV: a header on every page, canonical numbers, NULL as an empty field', async () => {
    const lines: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const p = await page(
        `format=csv&fields=ROC5,LABEL0&limit=120${cursor === null ? '' : `&cursor=${cursor}`}`,
      );
      expect(p.status).toBe(200);
      expect(p.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      const [header, ...body] = p.text.trimEnd().split('\n');
      expect(header).toBe('datetime,instrument,ROC5,LABEL0');
      lines.push(...body);
      cursor = p.headers.get('x-next-cursor');
      pages += 1;
    } while (cursor !== null);
    expect(pages).toBe(3);
    const want = ROWS.map((r) => {
      const [roc, label] = [r.values[1] as number, r.values[3] as number];
      return [
        r.date,
        r.instrument,
        Number.isNaN(roc) ? '' : formatFloat32(roc),
        Number.isNaN(label) ? '' : String(label),
      ].join(',');
    });
    expect(lines).toEqual(want);
  });

  it('names the snapshot in the ETag, tells how far the data is complete, and answers 304 while it stands', async () => {
    const first = await page('fields=KMID&limit=5');
    expect(first.headers.get('etag')).toBe(`"${batchId}"`);
    expect(first.headers.get('x-complete-through')).toBe(DAYS.at(-1));
    const again = await api.call('/v1/datasets/alpha/values?fields=KMID&limit=5', reader, {
      headers: { 'if-none-match': `"${batchId}"` },
    });
    expect(again.status).toBe(304);
    const other = await api.call('/v1/datasets/alpha/values?fields=KMID&limit=5', reader, {
      headers: { 'if-none-match': '"20200101T000000000Z-000000000000"' },
    });
    expect(other.status).toBe(200);
  });

  it('reads chosen fields (any case) of listed instruments over a date range', async () => {
    const picked = [INSTRUMENTS[3], INSTRUMENTS[17], INSTRUMENTS[29]] as string[];
    const { rows: got } = await all(
      `fields=vwap0,kmid&instruments=${picked.join(',')}&start=${DAYS[2]}&end=${DAYS[6]}&limit=4`,
    );
    const fields = [COLUMNS[2], COLUMNS[0]] as ColumnSpec[];
    const want = ROWS.filter(
      (r) => picked.includes(r.instrument) && r.date >= (DAYS[2] as string) && r.date <= (DAYS[6] as string),
    );
    expect(got).toEqual(want.map((r) => expected(r, fields)));
  });

  it('reads a market: only its members, only inside their membership spans', async () => {
    const admin = await api.token(['admin'], 'market-admin');
    const members = `${INSTRUMENTS[1]}\t${DAYS[0]}\t${DAYS[3]}\n${INSTRUMENTS[2]}\t${DAYS[5]}\t2099-12-31\n`;
    const put = await api.call('/v1/markets/csi_test', admin, {
      method: 'PUT',
      headers: { 'content-type': 'text/plain' },
      body: members,
    });
    expect(put.status, await put.clone().text()).toBe(200);
    const { rows: got } = await all('fields=KMID&market=csi_test&limit=3');
    const want = ROWS.filter(
      (r) =>
        (r.instrument === INSTRUMENTS[1] && r.date <= (DAYS[3] as string)) ||
        (r.instrument === INSTRUMENTS[2] && r.date >= (DAYS[5] as string)),
    );
    expect(got).toEqual(want.map((r) => expected(r, [COLUMNS[0] as ColumnSpec])));
  });

  it('answers 400 naming the parameter and what is allowed, every problem at once', async () => {
    const bad = await api.json(
      '/v1/datasets/alpha/values?fields=KMID,NOPE&start=2024-03-09&end=2024-03-01&instrument=SH6',
      reader,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('BAD_PARAMETERS');
    const problems = bad.body.error.problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          code: 'PARAM_UNKNOWN',
          param: 'instrument',
          allowed: expect.arrayContaining(['instruments', 'market']),
        }),
        expect.objectContaining({ param: 'start', message: 'is after end (2024-03-01)' }),
      ]),
    );
    const fields = await api.json('/v1/datasets/alpha/values?fields=KMID,NOPE', reader);
    expect(fields.body.error.problems).toEqual([
      {
        code: 'PARAM_UNKNOWN_FIELD',
        param: 'fields',
        message: 'unknown field: NOPE',
        value: 'NOPE',
        allowed: ['KMID', 'ROC5', 'VWAP0', 'LABEL0'],
      },
    ]);
    const cases: [string, string, string][] = [
      ['start=2024-02-30', 'start', 'PARAM_VALUE'],
      ['end=20240301', 'end', 'PARAM_FORMAT'],
      ['cursor=not-a-cursor', 'cursor', 'PARAM_CURSOR'],
      ['instruments=A,B,C,D,E,F', 'instruments', 'PARAM_RANGE'],
      ['format=xml', 'format', 'PARAM_VALUE'],
      ['limit=0', 'limit', 'PARAM_RANGE'],
      ['as_of=2024-03-01', 'as_of', 'PARAM_FORMAT'],
      ['instruments=A&market=m', 'market', 'PARAM_VALUE'],
    ];
    for (const [query, param, code] of cases) {
      const r = await api.json(`/v1/datasets/alpha/values?${query}`, reader);
      expect(r.status, query).toBe(400);
      expect(r.body.error.problems, query).toEqual([expect.objectContaining({ param, code })]);
    }
  });

  it('refuses a cursor carried over to another query', async () => {
    const first = JSON.parse((await page('fields=KMID&limit=5')).text);
    const r = await api.json(`/v1/datasets/alpha/values?fields=ROC5&limit=5&cursor=${first.next}`, reader);
    expect(r.status).toBe(400);
    expect(r.body.error.problems).toEqual([
      expect.objectContaining({ param: 'cursor', code: 'PARAM_CURSOR' }),
    ]);
  });

  it('refuses with a hint a read whose plan would scan too much (a table without its instrument index), serves it with the index', async () => {
    await api.query('ALTER TABLE f_alpha DROP INDEX ix_instrument_date');
    try {
      const refused = await api.json(`/v1/datasets/alpha/values?instruments=${INSTRUMENTS[4]}`, reader);
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({
        code: 'SCAN_TOO_LARGE',
        hint: expect.stringContaining('npm run migrate'),
      });
    } finally {
      await ensureInstrumentIndex(api.db.pool, 'alpha');
    }
    const served = await api.json(`/v1/datasets/alpha/values?instruments=${INSTRUMENTS[4]}`, reader);
    expect(served.status).toBe(200);
    expect(served.body.rows).toHaveLength(DAYS.length);
  });

  it('404s a dataset that is not registered, and 401s a request without a token', async () => {
    expect((await api.json('/v1/datasets/nope/values', reader)).status).toBe(404);
    expect((await api.json('/v1/datasets/alpha/values', undefined)).body.error.code).toBe('TOKEN_MISSING');
  });
});
