import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, type OssHarness, startHarness } from './oss-harness.js';

let h: OssHarness;

/** 9 keys under `d/` in three "directories" plus 5 loose files, and keys outside the prefix. */
const KEYS = [
  'd/a/1.csv',
  'd/a/2.csv',
  'd/b/1.csv',
  'd/c/1.csv',
  'd/c/2.csv',
  'd/c/3.csv',
  'd/f1.csv',
  'd/f2.csv',
  'd/f3.csv',
  'd/f4.csv',
  'd/f5.csv',
  'e/outside.csv',
  'c-before.csv',
];

beforeAll(async () => {
  h = await startHarness();
  const client = h.client();
  for (const key of [...KEYS].reverse()) await client.put(key, Buffer.from(key));
});
afterAll(async () => {
  await h.close();
});

describe('local OSS listing through ali-oss', () => {
  it('pages ListObjects v1 with marker / NextMarker, delimiter and common prefixes', async () => {
    const client = h.client();
    const pages: { objects: string[]; prefixes: string[]; next: string | null; truncated: boolean }[] = [];
    let marker: string | undefined;
    do {
      const query = { prefix: 'd/', delimiter: '/', 'max-keys': 3, ...(marker ? { marker } : {}) };
      const page = await client.list(query as never, {});
      pages.push({
        objects: page.objects.map((o) => o.name),
        prefixes: page.prefixes ?? [],
        next: page.nextMarker,
        truncated: page.isTruncated,
      });
      marker = page.isTruncated ? (page.nextMarker ?? undefined) : undefined;
    } while (marker);
    expect(pages).toEqual([
      { objects: [], prefixes: ['d/a/', 'd/b/', 'd/c/'], next: 'd/c/', truncated: true },
      { objects: ['d/f1.csv', 'd/f2.csv', 'd/f3.csv'], prefixes: [], next: 'd/f3.csv', truncated: true },
      { objects: ['d/f4.csv', 'd/f5.csv'], prefixes: [], next: null, truncated: false },
    ]);
  });

  it('pages ListObjectsV2 with continuation tokens, KeyCount and start-after', async () => {
    const client = h.client();
    const seen: string[] = [];
    const counts: number[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const query = { prefix: 'd/', 'max-keys': 4, ...(token ? { 'continuation-token': token } : {}) };
      const page = await client.listV2(query as never, {});
      seen.push(...page.objects.map((o) => o.name));
      counts.push(page.keyCount);
      expect(page.objects.every((o) => o.owner === null)).toBe(true);
      token = page.isTruncated ? (page.nextContinuationToken ?? undefined) : undefined;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(counts).toEqual([4, 4, 3]);
    expect(seen).toEqual(KEYS.filter((k) => k.startsWith('d/')));

    const after = await client.listV2(
      { prefix: 'd/', 'start-after': 'd/c/3.csv', 'fetch-owner': true } as never,
      {},
    );
    expect(after.objects.map((o) => o.name)).toEqual([
      'd/f1.csv',
      'd/f2.csv',
      'd/f3.csv',
      'd/f4.csv',
      'd/f5.csv',
    ]);
    expect(after.objects[0]?.owner?.id).toBe(h.server.accountId);
  });

  it('lists in UTF-8 byte order with sizes and ETags', async () => {
    const client = h.client();
    const all = await client.listV2({ 'max-keys': 1000 } as never, {});
    const names = all.objects.map((o) => o.name);
    expect(names).toEqual([...KEYS].sort());
    expect(all.objects[0]).toMatchObject({
      name: 'c-before.csv',
      size: 'c-before.csv'.length,
      type: 'Normal',
    });
    expect(all.objects[0]?.etag).toMatch(/^"[0-9A-F]{32}"$/);
  });

  it('rejects a bad max-keys with InvalidArgument', async () => {
    const err = await failure(h.client().list({ 'max-keys': 'abc' } as never, {}));
    expect(err).toMatchObject({ code: 'InvalidArgument', status: 400 });
  });
});
