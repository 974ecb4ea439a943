import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateQlibDir, type QlibFixture } from '../support/qlib-fixture.js';
import { type AgentHarness, manifests, readPayload, startAgentHarness } from './agent-harness.js';
import { type CsvStyle, frameOf, pythonRepr, writePandasCsv, writePandasParquet } from './export-fixture.js';

const FIELDS = ['open', 'close', 'high', 'low', 'volume', 'factor'];

describe('CSV and Parquet exports', () => {
  let h: AgentHarness;
  let fixture: QlibFixture;
  let providerSha: string;

  const push = async (path: string, dataset: string, ...extra: string[]) => {
    const run = await h.run(['push', path, '--dataset', dataset, '--json', ...extra]);
    if (run.code !== 0) throw new Error(`push failed (${run.code}): ${run.stdout}${run.stderr}`);
    const [manifest] = await manifests(h.store, `incoming/factors/${dataset}/`);
    return manifest!;
  };

  beforeAll(async () => {
    h = await startAgentHarness();
    fixture = generateQlibDir({
      root: join(h.dir, 'qlib'),
      days: 25,
      instruments: 80,
      fields: FIELDS,
      seed: 21,
    });
    const manifest = await push(
      fixture.root,
      'from_bins',
      '--fields',
      FIELDS.join(','),
      '--market',
      'csi300',
    );
    providerSha = manifest.payload.sha256;
  });
  afterAll(async () => {
    await h.close();
  });

  it('writes pandas-style numbers in the fixture (sanity of the generator)', () => {
    expect([1e-5, 0.1, 1, 123456789, 1.5e20, -0.0001].map((v) => pythonRepr(Math.fround(v)))).toEqual([
      '1e-05',
      '0.1',
      '1.0',
      '123456790.0',
      '1.5e+20',
      '-0.0001',
    ]);
  });

  const styles: [string, CsvStyle, string[]][] = [
    ['single header', { header: 'single', datetime: 'date' }, []],
    [
      'MultiIndex two-row header, quoted fields, timestamps, label excluded',
      { header: 'multi2', datetime: 'timestamp', quoteAll: true, label: true },
      ['--exclude', 'label'],
    ],
    ['three column levels, gzip', { header: 'multi3', datetime: 'date', gzip: true }, []],
  ];

  it.each(styles)('CSV with %s gives the provider payload byte for byte', async (_name, style, extra) => {
    const path = join(h.dir, `export-${style.header}.csv${style.gzip ? '.gz' : ''}`);
    writePandasCsv(path, FIELDS, frameOf(fixture, FIELDS), style);
    const manifest = await push(path, `csv_${style.header}`, ...extra);
    expect(manifest.payload.sha256).toBe(providerSha);
  });

  it('Parquet as pyarrow writes it gives the provider payload byte for byte', async () => {
    const path = join(h.dir, 'export.parquet');
    writePandasParquet(path, FIELDS, frameOf(fixture, FIELDS), 700);
    const manifest = await push(path, 'from_parquet');
    expect(manifest.payload.sha256).toBe(providerSha);
    expect(manifest.columns.map((c) => c.name)).toEqual(FIELDS);
  });

  it('keeps float64 precision with --float64', async () => {
    const path = join(h.dir, 'doubles.csv');
    writeFileSync(path, 'datetime,instrument,x\n2024-01-02,SH600000,0.1\n2024-01-03,SH600000,\n');
    const manifest = await push(path, 'doubles', '--float64');
    expect(manifest.columns).toEqual([{ name: 'x', type: 'float64' }]);
    const { rows } = await readPayload(h.store, manifest);
    expect(rows.map((r) => r.values[0])).toEqual([0.1, null]);
  });

  it('stops a batch with duplicate rows before anything is uploaded', async () => {
    const path = join(h.dir, 'dupes.csv');
    const body = [
      'datetime,instrument,KMID',
      '2024-01-02,SH600000,0.5',
      '2024-01-02,SZ000001,0.25',
      '2024-01-02,SH600000,0.5',
      '',
    ];
    writeFileSync(path, body.join('\n'));
    h.traffic.requests.length = 0;
    const run = await h.run(['push', path, '--dataset', 'dupes']);
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('[BATCH_BLOCKED]');
    expect(run.stderr).toMatch(/DUPLICATE_KEY \(block, 1×\).*\n.*e\.g\. 2024-01-02 SH600000/);
    expect(h.puts()).toEqual([]);
  });

  it('reports bad values with their line and column, all at once', async () => {
    const path = join(h.dir, 'bad.csv');
    writeFileSync(
      path,
      'datetime,instrument,a,b\n2024-01-02,SH600000,x,1\n2024-02-30,SH600000,1,2\n2024-01-03,SH600000,inf,1\n2024-01-04,SH600000,1\n',
    );
    const run = await h.run(['push', path, '--dataset', 'bad_values']);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/CSV_BAD_NUMBER \(block, 1×\)[^\n]*\n\s+e\.g\. line 2 column a value "x"/);
    expect(run.stderr).toMatch(/CSV_BAD_DATE \(block, 1×\)/);
    expect(run.stderr).toMatch(/CSV_RAGGED \(block, 1×\)/);
    expect(run.stderr).toMatch(/VALUE_INFINITE \(block, 1×\)/);
  });
});
