import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ColumnSpec } from '../../core/csv/index.js';
import { formatBatchKey, formatStatusKey } from '../../core/keys.js';
import { type Batch, businessDays, factorRows, makeBatch } from './batch-builder.js';
import { type DirectEnv, startDirect, TOPIC } from './harness.js';

const COLUMNS: ColumnSpec[] = [
  { name: 'a', type: 'float32' },
  { name: 'b', type: 'float64' },
];
const HEADER = 'datetime,instrument,a,b';
const GOOD = ['2024-01-02,SH600000,1.5,2.25', '2024-01-02,SH600001,-0.5,\\N'];

/** A payload with two good rows, then `bad` on line 4, then one more good row. */
function payload(bad: string): string {
  return `${[HEADER, ...GOOD, bad, '2024-01-03,SH600000,3,4'].join('\n')}\n`;
}

interface Finding {
  code: string;
  severity: string;
  count: number;
  examples: Array<{ line?: number; value?: string }>;
}

interface Case {
  code: string;
  csv?: string;
  line?: number;
  rowCount?: number;
  dateRange?: { start: string; end: string };
}

const CASES: Case[] = [
  { code: 'CSV_RAGGED', csv: payload('2024-01-02,SH600002,1.5'), line: 4 },
  { code: 'CSV_QUOTE', csv: payload('2024-01-02,"SH600002",1,2'), line: 4 },
  { code: 'CSV_BAD_DATE', csv: payload('2024-02-30,SH600002,1,2'), line: 4 },
  { code: 'CSV_BAD_INSTRUMENT', csv: payload(`2024-01-02,${'X'.repeat(65)},1,2`), line: 4 },
  { code: 'CSV_BAD_NUMBER', csv: payload('2024-01-02,SH600002,1.2.3,2'), line: 4 },
  { code: 'CSV_EMPTY_FIELD', csv: payload('2024-01-02,SH600002,,2'), line: 4 },
  { code: 'VALUE_INFINITE', csv: payload('2024-01-02,SH600002,inf,2'), line: 4 },
  { code: 'VALUE_OUT_OF_RANGE', csv: payload('2024-01-02,SH600002,1e39,2'), line: 4 },
  { code: 'CSV_CONTROL_CHAR', csv: payload('2024-01-02,SH600002,1\u0007,2'), line: 4 },
  { code: 'CSV_CRLF', csv: `${HEADER}\r\n${GOOD.join('\r\n')}\r\n`, line: 1, rowCount: 2 },
  { code: 'CSV_HEADER', csv: `datetime,instrument,a,c\n${GOOD.join('\n')}\n`, line: 1, rowCount: 2 },
  { code: 'CSV_BOM', csv: `\uFEFF${HEADER}\n${GOOD.join('\n')}\n`, line: 1, rowCount: 2 },
  { code: 'DUPLICATE_KEY', csv: payload(GOOD[0] as string), line: 4 },
  {
    code: 'DATE_OUT_OF_RANGE',
    csv: payload('2024-01-05,SH600002,1,2'),
    line: 4,
    dateRange: { start: '2024-01-02', end: '2024-01-03' },
  },
  {
    code: 'DATE_NOT_TRADING_DAY',
    csv: payload('2024-01-06,SH600002,1,2'),
    line: 4,
    dateRange: { start: '2024-01-02', end: '2024-01-06' },
  },
  { code: 'ROW_COUNT_MISMATCH', csv: payload('2024-01-02,SH600002,1,2'), rowCount: 7 },
];

describe('ingest: the quality rules', () => {
  let env: DirectEnv;
  beforeAll(async () => {
    env = await startDirect('quality');
    // A trading calendar for DATE_NOT_TRADING_DAY (Sat 2024-01-06 is not on it).
    const calendar = makeBatch({ dataset: 'cn', kind: 'calendar', days: businessDays('2023-12-01', 30) });
    expect(await env.ingest(calendar)).toMatchObject({ status: 'loaded' });
  });
  afterAll(async () => {
    await env?.close();
  });

  it.each(CASES)('$code rejects the batch, loads nothing, and reason.json locates it', async (c) => {
    const dataset = `q_${c.code.toLowerCase()}`;
    const rows = (c.csv as string).split('\n').length - 2;
    const batch = makeBatch({
      dataset,
      columns: COLUMNS,
      csv: c.csv,
      rowCount: c.rowCount ?? rows,
      dateRange: c.dateRange ?? { start: '2024-01-02', end: '2024-01-03' },
    });
    const outcome = await env.ingest(batch);
    const reasonKey = formatBatchKey({ ...batch, area: 'quarantine', file: 'reason.json' });
    expect(outcome).toEqual({ status: 'rejected', batchId: batch.batchId, code: c.code, reasonKey });
    await expectNothingLoaded(batch);

    const reason = await env.json(reasonKey);
    const finding = (reason.findings as Finding[]).find((f) => f.code === c.code);
    expect(finding).toMatchObject({ severity: 'block' });
    expect(finding?.count).toBeGreaterThanOrEqual(1);
    if (c.line !== undefined) expect(finding?.examples[0]?.line).toBe(c.line);
    expect(reason).toMatchObject({ batchId: batch.batchId, dataset, code: c.code });
    expect((reason.whatToDo as string[]).length).toBeGreaterThan(0);
  });

  async function expectNothingLoaded(batch: Batch): Promise<void> {
    // A rejected first batch leaves no schema behind: no table, no registry row.
    expect(await env.tablesOf(batch.dataset)).toEqual([]);
    expect(await env.query('SELECT dataset FROM datasets WHERE dataset = ?', [batch.dataset])).toEqual([]);
    const [ledger] = await env.query('SELECT status, error_code FROM batches WHERE batch_id = ?', [
      batch.batchId,
    ]);
    expect(ledger?.status).toBe('rejected');
    expect(await env.exists(batch.manifestKey)).toBe(false);
    expect(await env.exists(formatBatchKey({ ...batch, area: 'quarantine', file: 'manifest.json' }))).toBe(
      true,
    );
    expect(await env.exists(formatBatchKey({ ...batch, area: 'quarantine', file: 'data.csv.gz' }))).toBe(
      true,
    );
    const status = await env.json(formatStatusKey(batch));
    expect(status).toMatchObject({ status: 'rejected', code: ledger?.error_code });
    const alert = env.mns
      .published(TOPIC)
      .find((m) => m.body.length > 0 && decode(m.body).batchId === batch.batchId);
    expect(alert?.tag).toBe('error');
    expect(decode(alert?.body as string)).toMatchObject({ severity: 'error', code: ledger?.error_code });
  }

  it('counts every problem even after the rows stopped going to MySQL', async () => {
    const lines = [HEADER, ...GOOD];
    for (let i = 0; i < 30; i++) lines.push(`2024-01-03,SH7${String(i).padStart(5, '0')},x${i},1`);
    const batch = makeBatch({
      dataset: 'q_many',
      columns: COLUMNS,
      csv: `${lines.join('\n')}\n`,
      rowCount: 32,
    });
    expect(await env.ingest(batch)).toMatchObject({ status: 'rejected', code: 'CSV_BAD_NUMBER' });
    const reason = await env.json(formatBatchKey({ ...batch, area: 'quarantine', file: 'reason.json' }));
    const finding = (reason.findings as Finding[]).find((f) => f.code === 'CSV_BAD_NUMBER');
    expect(finding?.count).toBe(30);
    expect(finding?.examples).toHaveLength(10);
    expect(finding?.examples[0]).toMatchObject({ line: 4, value: 'x0' });
  });

  /** Register `dataset` with its rules JSON, as an operator would (docs/ingest.md, Registry and schema). */
  const registerStrict = (dataset: string, rules: Record<string, unknown>) =>
    env.query(
      `INSERT INTO datasets (dataset, kind, table_name, contract, rules, created_at, updated_at)
       VALUES (?, 'factors', ?, 'evolve', ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))`,
      [dataset, `f_${dataset}`, JSON.stringify(rules)],
    );

  it('blocks on a distribution rule the dataset sets to block (registry rules JSON)', async () => {
    await registerStrict('q_strict', { nullRatio: { severity: 'block', max: 0.1 } });
    const rows = factorRows({ dates: ['2024-01-04'], instruments: 30, columns: COLUMNS });
    for (const r of rows.slice(0, 10)) r.values[0] = Number.NaN;
    const batch = makeBatch({ dataset: 'q_strict', columns: COLUMNS, rows });
    expect(await env.ingest(batch)).toMatchObject({ status: 'rejected', code: 'NULL_RATIO' });
    expect(await env.tablesOf('q_strict')).toEqual([]);
  });

  it('blocks on INSTRUMENT_COUNT_DRIFT when the dataset sets it to block', async () => {
    await registerStrict('q_drift', { instrumentDrift: { severity: 'block', tolerance: 0.2 } });
    const day1 = factorRows({ dates: ['2024-01-04'], instruments: 40, columns: COLUMNS, seed: 5 });
    expect(await env.ingest(makeBatch({ dataset: 'q_drift', columns: COLUMNS, rows: day1 }))).toMatchObject({
      status: 'loaded',
      warnings: [],
    });
    const day2 = factorRows({ dates: ['2024-01-05'], instruments: 25, columns: COLUMNS, seed: 6 });
    const batch = makeBatch({ dataset: 'q_drift', columns: COLUMNS, rows: day2 }); // 40 → 25 instruments
    expect(await env.ingest(batch)).toMatchObject({ status: 'rejected', code: 'INSTRUMENT_COUNT_DRIFT' });
    const [count] = await env.query('SELECT COUNT(*) AS n FROM f_q_drift WHERE batch_id = ?', [
      batch.batchId,
    ]);
    expect(Number(count?.n)).toBe(0);
    const [total] = await env.query('SELECT COUNT(*) AS n FROM f_q_drift');
    expect(Number(total?.n)).toBe(40);
    const reason = await env.json(formatBatchKey({ ...batch, area: 'quarantine', file: 'reason.json' }));
    expect((reason.findings as Finding[])[0]).toMatchObject({
      code: 'INSTRUMENT_COUNT_DRIFT',
      severity: 'block',
    });
  });

  it('blocks on CONSTANT_FACTOR when the dataset sets it to block', async () => {
    await registerStrict('q_constant', { constantFactor: { severity: 'block', minInstruments: 20 } });
    const rows = factorRows({ dates: ['2024-01-04'], instruments: 30, columns: COLUMNS, seed: 7 });
    for (const r of rows) r.values[1] = 0.25; // every instrument the same value of b
    const batch = makeBatch({ dataset: 'q_constant', columns: COLUMNS, rows });
    expect(await env.ingest(batch)).toMatchObject({ status: 'rejected', code: 'CONSTANT_FACTOR' });
    expect(await env.tablesOf('q_constant')).toEqual([]);
    const reason = await env.json(formatBatchKey({ ...batch, area: 'quarantine', file: 'reason.json' }));
    expect((reason.findings as Finding[])[0]).toMatchObject({
      code: 'CONSTANT_FACTOR',
      severity: 'block',
      examples: [expect.objectContaining({ field: 'b', date: '2024-01-04', value: '0.25' })],
    });
  });

  it('loads a batch with warnings, records them in the status, and alerts once per rule', async () => {
    const columns: ColumnSpec[] = [
      { name: 'sparse', type: 'float32' },
      { name: 'flat', type: 'float32' },
      { name: 'fine', type: 'float32' },
    ];
    const day1 = factorRows({ dates: ['2024-01-04'], instruments: 40, columns, seed: 3 });
    expect(await env.ingest(makeBatch({ dataset: 'q_warn', columns, rows: day1 }))).toMatchObject({
      status: 'loaded',
    });

    const day2 = factorRows({ dates: ['2024-01-05'], instruments: 25, columns, seed: 4 });
    for (const [i, r] of day2.entries()) {
      if (i % 3 !== 0) r.values[0] = Number.NaN; // 2/3 NULL: NULL_RATIO
      r.values[1] = 0.25; // every instrument the same: CONSTANT_FACTOR
    }
    const batch = makeBatch({ dataset: 'q_warn', columns, rows: day2 }); // 40 → 25 instruments: INSTRUMENT_COUNT_DRIFT
    const outcome = await env.ingest(batch);
    expect(outcome).toMatchObject({ status: 'loaded', rowsLoaded: 25 });
    const codes = ['CONSTANT_FACTOR', 'INSTRUMENT_COUNT_DRIFT', 'NULL_RATIO'];
    expect(outcome.status === 'loaded' && [...outcome.warnings].sort()).toEqual(codes);
    const status = await env.json(formatStatusKey(batch));
    expect([...(status.warnings as string[])].sort()).toEqual(codes);

    const alerts = env.mns.published(TOPIC).filter((m) => decode(m.body).batchId === batch.batchId);
    expect(alerts.map((m) => m.tag)).toEqual(['warn', 'warn', 'warn']);
    expect(alerts.map((m) => decode(m.body).code).sort()).toEqual(codes);
    expect(decode(alerts[0]?.body as string)).toMatchObject({ dataset: 'q_warn', tradingDay: '2024-01-05' });
  });

  it('stores infinities as NULL with a warning when the dataset says inf: null', async () => {
    await env.query(
      `INSERT INTO datasets (dataset, kind, table_name, contract, inf_policy, created_at, updated_at)
       VALUES ('q_inf', 'factors', 'f_q_inf', 'evolve', 'null', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))`,
    );
    const batch = makeBatch({
      dataset: 'q_inf',
      columns: COLUMNS,
      csv: payload('2024-01-02,SH600002,-Infinity,2'),
      rowCount: 4,
      dateRange: { start: '2024-01-02', end: '2024-01-03' },
    });
    const outcome = await env.ingest(batch);
    expect(outcome).toMatchObject({ status: 'loaded', rowsLoaded: 4 });
    expect(outcome.status === 'loaded' && outcome.warnings).toContain('INF_AS_NULL');
    const [row] = await env.query("SELECT a FROM f_q_inf WHERE instrument = 'SH600002'");
    expect(row?.a).toBeNull();
  });
});

function decode(body: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(body, 'base64').toString('utf8'));
}
