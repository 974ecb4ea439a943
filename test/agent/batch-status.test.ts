import { describe, expect, it } from 'vitest';
import { type BatchStatus, formatBatchStatus, parseBatchStatus } from '../../core/batch-status.js';
import { TerminalError } from '../../core/errors.js';

const ID = '20261126T180000123Z-3fa2c1d09e7b';
const EARLIER = '20261125T180000123Z-aaaaaaaaaaaa';

const loaded: BatchStatus = {
  formatVersion: 1,
  batchId: ID,
  kind: 'factors',
  dataset: 'alpha158',
  status: 'loaded',
  at: '2026-11-26T18:00:05.000Z',
  rowsLoaded: 5000,
  summary: 'loaded 5000 rows for 2026-11-26',
  warnings: ['NULL_RATIO'],
};

function problemsOf(text: string): string[] {
  try {
    parseBatchStatus(text);
  } catch (e) {
    if (!(e instanceof TerminalError)) throw e;
    return e.problems.length > 0 ? e.problems.map((p) => `${p.code} ${p.path}`) : [e.code];
  }
  return [];
}

describe('batch status objects', () => {
  it('round-trips loaded, rejected and duplicate outcomes', () => {
    const rejected: BatchStatus = {
      ...loaded,
      status: 'rejected',
      rowsLoaded: undefined,
      code: 'DUPLICATE_KEY',
      summary: 'the same (date, instrument) appears more than once',
      reasonKey: `quarantine/factors/alpha158/${ID}/reason.json`,
      warnings: [],
    };
    delete rejected.rowsLoaded;
    const duplicate: BatchStatus = { ...loaded, status: 'duplicate', duplicateOf: EARLIER, warnings: [] };
    for (const s of [loaded, rejected, duplicate]) {
      const text = formatBatchStatus(s);
      expect(text.endsWith('}\n')).toBe(true);
      expect(parseBatchStatus(text)).toEqual(s);
      expect(parseBatchStatus(Buffer.from(text))).toEqual(s);
    }
  });

  it('writes keys in a fixed order and omits absent optionals', () => {
    const text = formatBatchStatus(loaded);
    expect(Object.keys(JSON.parse(text))).toEqual([
      'formatVersion',
      'batchId',
      'kind',
      'dataset',
      'status',
      'at',
      'rowsLoaded',
      'summary',
      'warnings',
    ]);
  });

  it('reports every problem at once with its path', () => {
    const bad = {
      formatVersion: 2,
      batchId: 'nope',
      kind: 'trades',
      dataset: 'Alpha',
      status: 'done',
      at: 'yesterday',
      rowsLoaded: -1,
      reasonKey: 'incoming/factors/alpha158/x/reason.json',
      extra: true,
      warnings: [1],
    };
    expect(problemsOf(JSON.stringify(bad)).sort()).toEqual(
      [
        'STATUS_UNKNOWN_FIELD $.extra',
        'STATUS_VERSION $.formatVersion',
        'STATUS_VALUE $.batchId',
        'STATUS_VALUE $.kind',
        'STATUS_VALUE $.dataset',
        'STATUS_VALUE $.status',
        'STATUS_VALUE $.at',
        'STATUS_REQUIRED $.summary',
        'STATUS_VALUE $.rowsLoaded',
        'STATUS_VALUE $.reasonKey',
        'STATUS_TYPE $.warnings[0]',
      ].sort(),
    );
  });

  it('refuses text that is not JSON, and duplicateOf on a non-duplicate', () => {
    expect(problemsOf('{')).toEqual(['STATUS_NOT_JSON']);
    expect(problemsOf(JSON.stringify({ ...loaded, duplicateOf: EARLIER }))).toEqual([
      'STATUS_VALUE $.duplicateOf',
    ]);
    expect(() => formatBatchStatus({ ...loaded, at: 'now' })).toThrow(TerminalError);
  });

  it('refuses a status object that repeats a key (STATUS_DUPLICATE_KEY): a reader must not pick one', () => {
    const text = formatBatchStatus(loaded).replace(
      '"status": "loaded",',
      '"status": "rejected",\n  "status": "loaded",',
    );
    expect(problemsOf(text)).toEqual(['STATUS_DUPLICATE_KEY $.status']);
  });
});
