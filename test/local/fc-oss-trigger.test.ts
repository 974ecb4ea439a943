import { createHash } from 'node:crypto';
import { join } from 'node:path';
import OSS from 'ali-oss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OssEventRecord } from '../../core/oss-event.js';
import { type FcRuntime, startFcRuntime } from '../../local/fc/runtime.js';
import { matchesOssTrigger, type OssTriggerRule } from '../../local/fc/triggers-oss.js';
import { type OssServer, startOssServer } from '../../local/oss/server.js';
import { ACCOUNT_ID, CREDENTIALS, fixture, readSeen, STS, tempDir } from './fc-fixtures.js';
import { postObjectForm, postPolicy } from './oss-harness.js';

const BUCKET = 'fc-batches';
const OTHER = 'fc-other';
const MANIFEST = 'incoming/factors/alpha158/b-001/manifest.json';

describe('fc runtime: OSS trigger', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let out: string;
  let oss: OssServer;
  let fc: FcRuntime;
  const client = (bucket: string) =>
    new OSS({ ...CREDENTIALS, bucket, region: 'oss-cn-hangzhou', endpoint: oss.url, secure: false });

  beforeAll(async () => {
    dir = await tempDir('fc-oss');
    out = join(dir.path, 'out');
    oss = await startOssServer({
      root: join(dir.path, 'oss'),
      region: 'cn-hangzhou',
      accountId: ACCOUNT_ID,
      credentials: [CREDENTIALS],
      buckets: [BUCKET, OTHER],
    });
    fc = await startFcRuntime({
      sYamlPath: fixture('oss.s.yaml'),
      env: { OUT_DIR: out, BUCKET },
      config: { AccountID: ACCOUNT_ID },
      credentials: STS,
      oss,
      retryDelaysMs: [10],
      log: () => {},
    });
  });

  afterAll(async () => {
    await fc?.close();
    await oss?.close();
    await dir?.remove();
  });

  it('delivers a matching upload as {"events":[record]}, the record exactly as OSS emitted it', async () => {
    const earlier = new Set(fc.invocations().map((r) => r.requestId));
    const emitted: OssEventRecord[] = [];
    const off = oss.onEvent((record) => emitted.push(record));
    const body = Buffer.from('{"batch":"b-001"}');
    await client(BUCKET).put(MANIFEST, body, { meta: { rows: '2' } as never });
    // This test's invocation only: the runtime is the file's, and its tests run in any order.
    const [record] = await fc.waitForInvocations((r) => r.fn === 'recorder' && !earlier.has(r.requestId));
    off();

    expect(record).toMatchObject({ trigger: 'oss', async: true, attempt: 1, status: 'succeeded' });
    const seen = await readSeen(out, record?.requestId as string);
    expect(seen.eventIsBuffer).toBe(true);
    const event = JSON.parse(seen.event) as { events: OssEventRecord[] };
    expect(event).toEqual({ events: [emitted[0]] });
    expect(event.events[0]).toMatchObject({
      eventName: 'ObjectCreated:PutObject',
      eventSource: 'acs:oss',
      eventVersion: '1.0',
      region: 'cn-hangzhou',
      oss: {
        bucket: {
          name: BUCKET,
          arn: `acs:oss:cn-hangzhou:${ACCOUNT_ID}:${BUCKET}`,
          ownerIdentity: ACCOUNT_ID,
        },
        object: {
          key: MANIFEST,
          size: body.length,
          eTag: createHash('md5').update(body).digest('hex').toUpperCase(),
        },
        ossSchemaVersion: '1.0',
      },
      userIdentity: { principalId: ACCOUNT_ID },
    });
  });

  it('delivers a manifest uploaded by an HTML form (PostObject) the same way', async () => {
    const earlier = new Set(fc.invocations().map((r) => r.requestId));
    const key = 'incoming/factors/alpha158/b-002/manifest.json';
    const signed = client(BUCKET).calculatePostSignature(postPolicy([{ bucket: BUCKET }]));
    const res = await postObjectForm(oss, {
      bucket: BUCKET,
      fields: {
        key,
        OSSAccessKeyId: signed.OSSAccessKeyId,
        policy: signed.policy,
        Signature: signed.Signature,
      },
      file: Buffer.from('{"batch":"b-002"}'),
    });
    expect(res.status).toBe(204);
    const [record] = await fc.waitForInvocations((r) => r.fn === 'recorder' && !earlier.has(r.requestId));
    const seen = await readSeen(out, record?.requestId as string);
    const [event] = (JSON.parse(seen.event) as { events: OssEventRecord[] }).events;
    expect(event).toMatchObject({ eventName: 'ObjectCreated:PostObject', oss: { object: { key } } });
  });

  it('ignores other prefixes, suffixes and buckets and the parts of a multipart upload', async () => {
    const before = fc.invocations().length;
    const bytes = Buffer.from('{}');
    await client(BUCKET).put('outgoing/factors/x/manifest.json', bytes);
    await client(BUCKET).put('incoming/factors/x/data.csv.gz', bytes);
    await client(BUCKET).put('incoming/factors/x/manifest.json.bak', bytes);
    await client(OTHER).put('incoming/factors/x/manifest.json', bytes);
    const big = Buffer.alloc(250 * 1024, 'x');
    await client(BUCKET).multipartUpload('incoming/factors/x/payload.bin', big, { partSize: 102_400 });
    // The last upload matches, on CompleteMultipartUpload only; events arrive in order, so once it has
    // run every earlier notification has been seen and turned down.
    await client(BUCKET).multipartUpload('incoming/factors/big/manifest.json', big, { partSize: 102_400 });
    await fc.waitForInvocations((r) => r.fn === 'recorder', before + 1);
    await fc.idle();

    const records = fc.invocations().slice(before);
    expect(records).toHaveLength(1);
    const seen = await readSeen(out, records[0]?.requestId as string);
    const [record] = (JSON.parse(seen.event) as { events: OssEventRecord[] }).events;
    expect(record?.eventName).toBe('ObjectCreated:CompleteMultipartUpload');
    expect(record?.oss.object.key).toBe('incoming/factors/big/manifest.json');
    expect(record?.oss.object.size).toBe(big.length);
  });
});

describe('OSS trigger filter', () => {
  const record = (eventName: string, key: string, bucket = 'b1'): OssEventRecord =>
    ({ eventName, oss: { bucket: { name: bucket }, object: { key } } }) as OssEventRecord;
  const rule = (events: string[]): OssTriggerRule => ({
    fn: 'f',
    triggerName: 't',
    bucket: 'b1',
    events,
    prefix: 'in/',
    suffix: '.json',
  });

  it('matches listed events only; oss:ObjectCreated:* covers the whole family, UploadPart included', () => {
    const listed = rule(['oss:ObjectCreated:PutObject', 'oss:ObjectCreated:CompleteMultipartUpload']);
    expect(matchesOssTrigger(listed, record('ObjectCreated:PutObject', 'in/a.json'))).toBe(true);
    expect(matchesOssTrigger(listed, record('ObjectCreated:UploadPart', 'in/a.json'))).toBe(false);
    expect(matchesOssTrigger(listed, record('ObjectRemoved:DeleteObject', 'in/a.json'))).toBe(false);
    const family = rule(['oss:ObjectCreated:*']);
    expect(matchesOssTrigger(family, record('ObjectCreated:UploadPart', 'in/a.json'))).toBe(true);
    expect(matchesOssTrigger(family, record('ObjectRemoved:DeleteObject', 'in/a.json'))).toBe(false);
  });

  it('takes prefix and suffix literally and checks the bucket', () => {
    const r = rule(['oss:ObjectCreated:*']);
    expect(matchesOssTrigger(r, record('ObjectCreated:PutObject', 'in/x.json', 'b2'))).toBe(false);
    expect(matchesOssTrigger(r, record('ObjectCreated:PutObject', 'in/x.jsonl'))).toBe(false);
    expect(matchesOssTrigger(r, record('ObjectCreated:PutObject', 'inx.json'))).toBe(false);
    expect(matchesOssTrigger({ ...r, prefix: 'in.*/' }, record('ObjectCreated:PutObject', 'in/x.json'))).toBe(
      false,
    );
  });
});
