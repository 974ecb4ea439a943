import { describe, expect, it } from 'vitest';
import { TerminalError } from '../../core/errors.js';
import { formatManifest, type ManifestV1, parseManifest } from '../../core/manifest.js';

const ID = '20240103T203000000Z-0b52e4772383';

function valid(): ManifestV1 {
  return {
    formatVersion: 1,
    batchId: ID,
    kind: 'factors',
    dataset: 'alpha158',
    frequency: 'day',
    dateRange: { start: '2024-01-02', end: '2024-01-03' },
    columns: [
      { name: 'KMID', type: 'float32' },
      { name: 'ROC5', type: 'float64' },
    ],
    rowCount: 4,
    payload: {
      key: `incoming/factors/alpha158/${ID}/data.csv.gz`,
      format: 'csv',
      compression: 'gzip',
      bytes: 143,
      sha256: '0b52e47723831223c66d806b62a3b7a0107235a76f9633e3e52533de229518c9',
      crc64: '11734346800268690096',
    },
    producer: { host: 'research-01', agentVersion: 'qlib-sync/0.1.0', sourcePath: '/data/qlib' },
    createdAt: '2024-01-03T20:30:00.000Z',
  };
}

function problemsOf(input: unknown): string[] {
  try {
    parseManifest(typeof input === 'string' ? input : JSON.stringify(input));
  } catch (e) {
    if (!(e instanceof TerminalError)) throw e;
    return e.problems.length > 0 ? e.problems.map((p) => `${p.code} ${p.path}`) : [e.code];
  }
  return [];
}

describe('manifest v1', () => {
  it('parses a valid manifest and round-trips through format', () => {
    const m = valid();
    expect(parseManifest(JSON.stringify(m))).toEqual(m);
    const text = formatManifest(m);
    expect(text.endsWith('}\n')).toBe(true);
    expect(parseManifest(text)).toEqual(m);
    expect(formatManifest(parseManifest(Buffer.from(text)))).toBe(text);
  });

  it('a dataset name with "__" has its own problem; our tables\' columns are reserved', () => {
    const m = { ...valid(), dataset: 'base__history' };
    expect(problemsOf(m)).toEqual(['MANIFEST_DATASET_SEPARATOR $.dataset']);
    const reserved = valid();
    reserved.columns = [
      { name: 'superseded_by', type: 'float32' },
      { name: 'Superseded_At', type: 'float32' },
    ];
    expect(problemsOf(reserved)).toEqual([
      'MANIFEST_VALUE $.columns[0].name',
      'MANIFEST_VALUE $.columns[1].name',
    ]);
  });

  it('accepts a calendar batch without columns', () => {
    const m = { ...valid(), kind: 'calendar' as const, dataset: 'cn', columns: [] };
    m.payload = { ...m.payload, key: `incoming/calendar/cn/${ID}/data.csv.gz` };
    expect(problemsOf(m)).toEqual([]);
  });

  it('reports every problem at once, each with its JSON path', () => {
    const m = valid() as unknown as Record<string, unknown>;
    m.formatVersion = 2;
    m.kind = 'models';
    m.frequency = '1min';
    m.dateRange = { start: '2024-02-30', end: '2024-01-01' };
    m.rowCount = 0;
    m.extra = true;
    delete m.createdAt;
    m.columns = [
      { name: 'KMID', type: 'float32' },
      { name: 'kmid', type: 'float32' },
      { name: 'a;DROP', type: 'int' },
      { name: 'trade_date', type: 'float32' },
    ];
    m.payload = {
      ...valid().payload,
      sha256: 'ABC',
      crc64: '18446744073709551616',
      bytes: -1,
      compression: 'zip',
    };
    m.producer = { host: '' };
    expect(problemsOf(m).sort()).toEqual(
      [
        'MANIFEST_VERSION $.formatVersion',
        'MANIFEST_VALUE $.kind',
        'MANIFEST_VALUE $.frequency',
        'MANIFEST_VALUE $.dateRange.start',
        'MANIFEST_VALUE $.rowCount',
        'MANIFEST_UNKNOWN_FIELD $.extra',
        'MANIFEST_REQUIRED $.createdAt',
        'MANIFEST_DUPLICATE_COLUMN $.columns[1].name',
        'MANIFEST_VALUE $.columns[2].name',
        'MANIFEST_VALUE $.columns[2].type',
        'MANIFEST_VALUE $.columns[3].name',
        'MANIFEST_VALUE $.payload.sha256',
        'MANIFEST_VALUE $.payload.crc64',
        'MANIFEST_VALUE $.payload.bytes',
        'MANIFEST_VALUE $.payload.compression',
        'MANIFEST_VALUE $.producer.host',
        'MANIFEST_REQUIRED $.producer.agentVersion',
        'MANIFEST_REQUIRED $.producer.sourcePath',
      ].sort(),
    );
  });

  it.each([
    [{ dateRange: { start: '2024-01-05', end: '2024-01-01' } }, 'MANIFEST_DATE_RANGE $.dateRange'],
    [{ batchId: 'nope' }, 'MANIFEST_VALUE $.batchId'],
    [{ dataset: 'Alpha' }, 'MANIFEST_VALUE $.dataset'],
    [{ dataset: 'x`y' }, 'MANIFEST_VALUE $.dataset'],
    [{ columns: [] }, 'MANIFEST_VALUE $.columns'],
    [{ columns: 'KMID' }, 'MANIFEST_TYPE $.columns'],
    [{ rowCount: 1.5 }, 'MANIFEST_TYPE $.rowCount'],
    [{ createdAt: '2024-01-03 20:30:00' }, 'MANIFEST_VALUE $.createdAt'],
    [{ createdAt: '2024-02-31T00:00:00.000Z' }, 'MANIFEST_VALUE $.createdAt'],
    [{ createdAt: '2023-02-29T12:00:00Z' }, 'MANIFEST_VALUE $.createdAt'],
    [{ createdAt: '2024-01-03T24:00:00Z' }, 'MANIFEST_VALUE $.createdAt'],
    [
      { payload: { ...valid().payload, key: `incoming/factors/other/${ID}/data.csv.gz` } },
      'MANIFEST_KEY_MISMATCH $.payload.key',
    ],
    [{ payload: { ...valid().payload, format: 'jsonl' } }, 'MANIFEST_VALUE $.payload.format'],
    [{ kind: 'calendar' }, 'MANIFEST_VALUE $.columns'],
    [{ producer: 'me' }, 'MANIFEST_TYPE $.producer'],
  ])('rejects %j (%s)', (patch, expected) => {
    expect(problemsOf({ ...valid(), ...patch })).toContain(expected);
  });

  it('rejects a manifest that repeats a key, at any level, naming each repeated key (MANIFEST_DUPLICATE_KEY)', () => {
    const text = formatManifest(valid())
      .replace('"rowCount": 4,', '"rowCount": 4,\n  "rowCount": 400,')
      .replace('"bytes": 143,', '"bytes": 143,\n    "bytes": 143,')
      .replace('"type": "float64"', '"type": "float64", "name": "ROC10"');
    expect(problemsOf(text)).toEqual([
      'MANIFEST_DUPLICATE_KEY $.columns[1].name',
      'MANIFEST_DUPLICATE_KEY $.rowCount',
      'MANIFEST_DUPLICATE_KEY $.payload.bytes',
    ]);
    let error: unknown;
    try {
      parseManifest(text);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'MANIFEST_INVALID' });
    expect((error as Error).message).toContain('$.rowCount: repeats a key of its object');
  });

  it('reports repeated keys together with every other problem', () => {
    const m = { ...valid(), rowCount: 0 };
    const text = JSON.stringify(m).replace('"kind":"factors"', '"kind":"factors","kind":"factors"');
    expect(problemsOf(text).sort()).toEqual(['MANIFEST_DUPLICATE_KEY $.kind', 'MANIFEST_VALUE $.rowCount']);
  });

  it('rejects input that is not JSON, or not an object', () => {
    expect(problemsOf('{"formatVersion": 1,')).toEqual(['MANIFEST_NOT_JSON']);
    expect(problemsOf('[]')).toEqual(['MANIFEST_TYPE $']);
  });
});
