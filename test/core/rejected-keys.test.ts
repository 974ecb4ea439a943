import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  batchObjectsOf,
  formatRejectedKeyStatus,
  parseRejectedKeyStatus,
  REJECTED_PREFIX,
  rejectedObjectKey,
  rejectedStatusKey,
  rejectionId,
} from '../../core/rejected-keys.js';

const KEY = 'incoming/factors/Alpha;158/20260101T000000000Z-abc/manifest.json';

describe('keys for batches ingest cannot file under their own key', () => {
  it('names the status by the SHA-256 of the manifest key, so a producer can compute it', () => {
    const sha = createHash('sha256').update(KEY, 'utf8').digest('hex');
    expect(rejectedStatusKey(KEY)).toBe(`status/_rejected/${sha}.json`);
    expect(rejectedStatusKey('incoming/factors/因子/x/manifest.json')).toMatch(
      /^status\/_rejected\/[0-9a-f]{64}\.json$/,
    );
  });

  it('gives every rejection a prefix of its own, sortable by time', () => {
    const a = rejectionId(KEY, new Date('2026-12-07T10:00:00.000Z'));
    const b = rejectionId(KEY, new Date('2026-12-07T10:00:00.001Z'));
    expect(a).toMatch(/^20261207T100000000Z-[0-9a-f]{16}$/);
    expect(a < b).toBe(true);
    expect(rejectedObjectKey(a, 'reason.json')).toBe(`${REJECTED_PREFIX}${a}/reason.json`);
  });

  it('takes the manifest and the payloads beside it, never a listing of what a hostile key points into', () => {
    expect(batchObjectsOf(KEY).map((o) => o.key)).toEqual([
      KEY,
      'incoming/factors/Alpha;158/20260101T000000000Z-abc/data.csv.gz',
      'incoming/factors/Alpha;158/20260101T000000000Z-abc/data.jsonl.gz',
    ]);
    expect(batchObjectsOf('incoming/manifest.json')).toEqual([
      { key: 'incoming/manifest.json', file: 'manifest.json' },
      { key: 'incoming/data.csv.gz', file: 'data.csv.gz' },
      { key: 'incoming/data.jsonl.gz', file: 'data.jsonl.gz' },
    ]);
    expect(batchObjectsOf('incoming/x-manifest.json')).toEqual([
      { key: 'incoming/x-manifest.json', file: 'manifest.json' },
    ]);
  });

  it('round-trips a status and reports every problem of a bad one', () => {
    const status = {
      formatVersion: 1 as const,
      key: KEY,
      status: 'rejected' as const,
      code: 'KEY_INVALID',
      at: '2026-12-07T10:00:00.000Z',
      summary: 'KEY_INVALID: …',
      reasonKey: `${REJECTED_PREFIX}20261207T100000000Z-0123456789abcdef/reason.json`,
    };
    expect(parseRejectedKeyStatus(formatRejectedKeyStatus(status))).toEqual(status);
    expect(() => parseRejectedKeyStatus(JSON.stringify({ ...status, code: 'bad code', extra: 1 }))).toThrow(
      /\$\.code.*|\$: /,
    );
  });
});
