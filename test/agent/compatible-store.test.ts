import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Journal } from '../../agent/journal/journal.js';
import { generateQlibDir, type QlibFixture } from '../support/qlib-fixture.js';
import { type AgentHarness, manifests, startAgentHarness } from './agent-harness.js';
import { type StoreProxyOptions, startStoreProxy } from './store-proxy.js';

const FIELDS = ['open', 'close', 'high', 'low', 'volume'];

/** Against OSS-compatible stores that are not Alibaba Cloud OSS (issue 8 item 17). */
describe('OSS-compatible stores', () => {
  let h: AgentHarness;
  let fixture: QlibFixture;
  let journals = 0;
  const journal = () => join(h.dir, `journal-${++journals}`);
  const through = async <T>(options: StoreProxyOptions, fn: (url: string) => Promise<T>): Promise<T> => {
    const proxy = await startStoreProxy(h.oss.server.url, options);
    try {
      return await fn(proxy.url);
    } finally {
      await proxy.close();
    }
  };

  beforeAll(async () => {
    h = await startAgentHarness({ multipartThreshold: 200_000, partSize: 102_400, parallel: 2 });
    fixture = generateQlibDir({
      root: join(h.dir, 'qlib'),
      days: 20,
      instruments: 1000,
      fields: FIELDS,
      seed: 17,
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it('pathStyle: a store that only reads the bucket from the path takes the whole upload', async () => {
    await through({ pathStyleOnly: 'qlib-bkt' }, async (url) => {
      const refused = await h.run(
        ['--journal', journal(), 'push', fixture.root, '--dataset', 'path_style', '--fields', 'close'],
        { OSS_ENDPOINT: url },
      );
      expect(refused.code, 'virtual-hosted requests to a path-style store').toBe(3);
      expect(refused.stderr).toContain('[OSS_NO_BUCKET]');
      const run = await h.run(
        [
          '--journal',
          journal(),
          'push',
          fixture.root,
          '--dataset',
          'path_style',
          '--fields',
          'close',
          '--json',
        ],
        { OSS_ENDPOINT: url, OSS_PATH_STYLE: 'true' },
      );
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout).status).toBe('uploaded');
    });
    expect(await manifests(h.store, 'incoming/factors/path_style/')).toHaveLength(1);
  });

  it('a bucket name that does not resolve under the endpoint host: exit 3 saying pathStyle or DNS, no retries', async () => {
    const endpoint = `http://localhost:${h.oss.server.port}`;
    const run = await h.run([...['--journal', journal()], 'doctor'], { OSS_ENDPOINT: endpoint });
    expect(run.code).toBe(3);
    expect(run.stdout).toContain(
      `qlib-bkt.localhost does not resolve (ENOTFOUND) while localhost does: this endpoint has no DNS for virtual-hosted buckets`,
    );
    const pushed = await h.run(
      ['--journal', journal(), 'push', fixture.root, '--dataset', 'dns', '--fields', 'close', '--verbose'],
      { OSS_ENDPOINT: endpoint },
    );
    expect(pushed.code).toBe(3);
    expect(pushed.stderr).toMatch(
      /qlib-sync: \[OSS_VHOST_DNS\] .*set "pathStyle": true in the config \(or OSS_PATH_STYLE=true\)/,
    );
    expect(pushed.stderr).not.toContain('transient OSS fault, retrying');
    const fixed = await h.run(
      ['--journal', journal(), 'push', fixture.root, '--dataset', 'dns', '--fields', 'close', '--json'],
      { OSS_ENDPOINT: endpoint, OSS_PATH_STYLE: 'true' },
    );
    expect(fixed.code, fixed.stderr).toBe(0);
  });

  it("an unexpected 4xx names the store's refusal (code, message, request id): exit 3, not a bug", async () => {
    const refuse: StoreProxyOptions['refuse'] = (req) =>
      req.method === 'POST' && 'uploads' in req.query
        ? {
            status: 400,
            code: 'NotImplemented',
            message: 'Multipart uploads are not supported by this gateway.',
          }
        : undefined;
    await through({ refuse }, async (url) => {
      const run = await h.run(
        ['--journal', journal(), 'push', fixture.root, '--dataset', 'refused', '--fields', FIELDS.join(',')],
        { OSS_ENDPOINT: url },
      );
      expect(run.code, run.stdout + run.stderr).toBe(3);
      expect(run.stderr).toMatch(
        /qlib-sync: \[OSS_REFUSED\] upload \S+: the store refused the request: 400 NotImplemented: Multipart uploads are not supported by this gateway\. \(request id PROXY\d+\)/,
      );
      expect(run.stderr).not.toContain('bug in qlib-sync');
      expect(run.stderr).not.toMatch(/\n\s+at /);
    });
  });

  it('without CRC-64 the stored size is compared: a wrong size is never reported uploaded; resume fixes it', async () => {
    const dir = journal();
    // A store that keeps part 2 twice: the object it assembles is larger than what was sent.
    const rewriteBody: StoreProxyOptions['rewriteBody'] = (req) =>
      req.method === 'PUT' && req.query.partNumber === '2'
        ? (body) => Buffer.concat([body, body])
        : undefined;
    const broken = await through({ hideCrc: true, rewriteBody }, (url) =>
      h.run(['--journal', dir, 'push', fixture.root, '--dataset', 'no_crc', '--fields', FIELDS.join(',')], {
        OSS_ENDPOINT: url,
      }),
    );
    expect(broken.code).toBe(5);
    expect(broken.stderr).toMatch(
      /\[PAYLOAD_SIZE_MISMATCH\] the store holds \d+ bytes under \S+ after two uploads of \d+/,
    );
    expect(broken.stderr.match(/payload size mismatch/g)).toHaveLength(2);
    const [entry] = new Journal(dir).pending();
    expect(entry?.state).toBe('uploading');
    const stored = await h.store.head(entry!.manifest.payload.key);
    expect(stored!.size).toBeGreaterThan(entry!.manifest.payload.bytes);
    expect(await manifests(h.store, 'incoming/factors/no_crc/')).toEqual([]);

    // The store is fixed (still no CRC-64): resume sends the payload again and checks its size.
    const resumed = await through({ hideCrc: true }, (url) =>
      h.run(['--journal', dir, 'resume', '--json'], { OSS_ENDPOINT: url }),
    );
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout).resumed).toEqual([entry!.manifest.batchId]);
    expect((await h.store.head(entry!.manifest.payload.key))!.size).toBe(entry!.manifest.payload.bytes);
    expect(await manifests(h.store, 'incoming/factors/no_crc/')).toHaveLength(1);
  });
});
