import { describe, expect, it } from 'vitest';
import { formatBatchId, isBatchId, parseBatchId } from '../../core/batch-id.js';
import { TerminalError } from '../../core/errors.js';
import {
  type BatchObjectKey,
  checkKeySyntax,
  formatBatchKey,
  formatBatchPrefix,
  formatStatusKey,
  parseKey,
} from '../../core/keys.js';

const ID = '20261126T180000123Z-3fa2c1d09e7b';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof TerminalError ? e.code : `not terminal: ${String(e)}`;
  }
  return undefined;
}

describe('batch ids', () => {
  it('round-trips time and suffix', () => {
    const at = new Date('2026-11-26T18:00:00.123Z');
    const id = formatBatchId(at, '3fa2c1d09e7b');
    expect(id).toBe(ID);
    expect(parseBatchId(id)).toEqual({ createdAt: at, suffix: '3fa2c1d09e7b' });
  });

  it('sorts by creation time as plain strings', () => {
    const times = ['2024-01-02T00:00:00.000Z', '2024-01-02T00:00:00.001Z', '2025-12-31T23:59:59.999Z'];
    const ids = times.map((t) => formatBatchId(new Date(t), 'zz'));
    expect([...ids].reverse().sort()).toEqual(ids);
  });

  it.each([
    ['', 'empty'],
    ['20261126T180000123Z', 'no suffix'],
    ['20261126T180000123Z-a/b', 'slash in suffix'],
    ['20261126T180000123Z-ü', 'non-ASCII'],
    ['20261326T180000123Z-x', 'month 13'],
    ['20260230T180000123Z-x', 'February 30'],
    ['2026-11-26T18:00:00Z-x', 'ISO punctuation'],
  ])('rejects %j (%s)', (id) => {
    expect(isBatchId(id)).toBe(false);
    expect(codeOf(() => parseBatchId(id))).toBe('BATCH_ID_INVALID');
  });

  it('refuses to format a suffix a reader would reject', () => {
    expect(codeOf(() => formatBatchId(new Date(0), 'a b'))).toBe('BATCH_ID_INVALID');
  });
});

describe('object keys', () => {
  const ref = { kind: 'factors' as const, dataset: 'alpha158', batchId: ID };

  it.each([
    ['incoming', 'data.csv.gz'],
    ['incoming', 'manifest.json'],
    ['loaded', 'data.csv.gz'],
    ['loaded', 'manifest.json'],
    ['quarantine', 'reason.json'],
    ['quarantine', 'data.jsonl.gz'],
  ] as const)('round-trips %s/%s', (area, file) => {
    const key: BatchObjectKey = { ...ref, area, file };
    const text = formatBatchKey(key);
    expect(text).toBe(`${area}/factors/alpha158/${ID}/${file}`);
    expect(parseKey(text)).toEqual({ type: 'batch', ...key });
  });

  it('round-trips status keys and prefixes', () => {
    const key = formatStatusKey(ref);
    expect(key).toBe(`status/factors/alpha158/${ID}.json`);
    expect(parseKey(key)).toEqual({ type: 'status', ...ref });
    expect(formatBatchPrefix('quarantine', ref)).toBe(`quarantine/factors/alpha158/${ID}/`);
  });

  it.each([
    ['/incoming/factors/alpha158/ID/data.csv.gz', 'leading slash'],
    ['incoming//factors/alpha158/x/data.csv.gz', 'empty segment'],
    [`incoming/factors/../${ID}/data.csv.gz`, 'dot-dot'],
    [`incoming/factors/alpha158/${ID}/./manifest.json`, 'dot segment'],
    [`incoming/factors/alpha158/${ID}/manifest.json\n`, 'control character'],
    [`incoming/factors/alpha158/${ID}/manifest.json\u0000`, 'NUL'],
    [`incoming/factors/alphä158/${ID}/manifest.json`, 'non-ASCII'],
    [`incoming/factors/Alpha158/${ID}/manifest.json`, 'upper-case dataset'],
    [`incoming/models/alpha158/${ID}/manifest.json`, 'unknown kind'],
    [`incoming/factors/alpha158/not-an-id/manifest.json`, 'bad batch id'],
    [`incoming/factors/alpha158/${ID}/other.txt`, 'unknown file'],
    [`incoming/factors/alpha158/${ID}/reason.json`, 'reason outside quarantine'],
    [`incoming/factors/alpha158/${ID}`, 'too few segments'],
    [`elsewhere/factors/alpha158/${ID}/manifest.json`, 'unknown area'],
    ['', 'empty'],
  ])('rejects %j (%s) with KEY_INVALID', (key) => {
    expect(codeOf(() => parseKey(key))).toBe('KEY_INVALID');
  });

  it.each([
    ['/a/b', 'may not start with /'],
    ['a//b', 'empty path segment'],
    ['a/b/', 'empty path segment'],
    ['a/../b', '".." segments'],
    ['a/./b', '".." segments'],
    ['..', '".." segments'],
    ['a/b\x7f', 'printable ASCII'],
    ['a\tb', 'printable ASCII'],
    ['a/\u00e9', 'printable ASCII'],
    ['a/\u56e0\u5b50', 'printable ASCII'],
    ['x'.repeat(1024), 'length must be 1..1023'],
    ['', 'length must be 1..1023'],
  ])('key syntax: %j is refused (%s), whatever the layout', (key, why) => {
    expect(() => checkKeySyntax(key)).toThrow(why);
    expect(codeOf(() => checkKeySyntax(key))).toBe('KEY_INVALID');
  });

  it('key syntax: printable ASCII keys of up to 1023 characters pass', () => {
    for (const key of ['a', 'incoming/x=1/y-2_z.3', `a/${'x'.repeat(1021)}`, 'sp ace/~!@#$%^&*()']) {
      expect(() => checkKeySyntax(key)).not.toThrow();
    }
  });

  it('a dataset name with the history separator "__" is KEY_INVALID, with a rule code of its own', () => {
    let error: unknown;
    try {
      parseKey(`incoming/factors/base__history/${ID}/manifest.json`);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'KEY_INVALID', problems: [{ code: 'KEY_DATASET_SEPARATOR' }] });
    expect(codeOf(() => formatStatusKey({ ...ref, dataset: 'a__b' }))).toBe('KEY_INVALID');
    expect(parseKey(`incoming/factors/a_b_/${ID}/manifest.json`)).toMatchObject({ dataset: 'a_b_' });
  });

  it('refuses to format a key from an invalid part', () => {
    expect(
      codeOf(() => formatBatchKey({ ...ref, dataset: '../x', area: 'loaded', file: 'manifest.json' })),
    ).toBe('KEY_INVALID');
  });
});
