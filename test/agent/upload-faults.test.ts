import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Journal } from '../../agent/journal/journal.js';
import { generateQlibDir, type QlibFixture } from '../support/qlib-fixture.js';
import { type AgentHarness, manifests, startAgentHarness } from './agent-harness.js';

const FIELDS = ['open', 'close', 'high', 'low', 'volume'];

describe('upload faults', () => {
  let h: AgentHarness;
  let fixture: QlibFixture;
  let journals = 0;
  const journalArgs = () => ['--journal', join(h.dir, `journal-${++journals}`)];
  const push = (journal: string[], dataset: string) =>
    h.run([...journal, 'push', fixture.root, '--dataset', dataset, '--fields', FIELDS.join(','), '--json']);

  beforeAll(async () => {
    h = await startAgentHarness({
      multipartThreshold: 300_000,
      partSize: 102_400,
      parallel: 2,
      retries: 4,
      retryBaseMs: 1,
    });
    fixture = generateQlibDir({
      root: join(h.dir, 'qlib'),
      days: 30,
      instruments: 800,
      fields: FIELDS,
      seed: 13,
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it('retries a 503 on a part and on the manifest, then completes', async () => {
    const failures = new Set<string>();
    h.traffic.fault = (req) => {
      const which =
        req.query.partNumber === '2' ? 'part 2' : req.key.endsWith('manifest.json') ? 'manifest' : undefined;
      if (which === undefined || failures.has(which)) return undefined;
      failures.add(which);
      return { status: 503, code: 'ServiceUnavailable', message: 'please retry' };
    };
    // --verbose: a retried fault is logged (at info) only when asked, off a terminal.
    const run = await push([...journalArgs(), '--verbose'], 'retried');
    h.traffic.fault = undefined;
    expect(run.code).toBe(0);
    expect([...failures].sort()).toEqual(['manifest', 'part 2']);
    expect(run.stderr.match(/transient OSS fault, retrying/g)).toHaveLength(2);
    expect(await manifests(h.store, 'incoming/factors/retried/')).toHaveLength(1);
  });

  it('starts the multipart upload afresh when the checkpoint names one that no longer exists', async () => {
    const journal = journalArgs();
    h.traffic.fault = (req) =>
      req.method === 'PUT' && req.query.partNumber === '3'
        ? { status: 403, code: 'AccessDenied', message: 'no' }
        : undefined;
    // One part at a time: nothing is still in flight when the push fails and the test aborts the upload.
    const first = await h.run(
      [...journal, 'push', fixture.root, '--dataset', 'restarted', '--fields', FIELDS.join(',')],
      { QLIB_SYNC_PARALLEL: '1' },
    );
    h.traffic.fault = undefined;
    expect(first.code).toBe(3);
    const entry = new Journal(journal[1] as string).pending()[0]!;
    const uploadId = entry.multipart?.uploadId as string;
    expect(uploadId).toBeTruthy();
    const spooled = readFileSync(entry.spoolPath as string);
    await h.oss.client().abortMultipartUpload(entry.manifest.payload.key, uploadId);
    h.traffic.requests.length = 0;
    const resumed = await h.run([...journal, 'resume', '--json']);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout).resumed).toEqual([entry.manifest.batchId]);
    expect(h.traffic.requests.filter((r) => r.method === 'POST' && 'uploads' in r.query)).toHaveLength(1);
    // Buffer.equals: toEqual walks a large Buffer element by element.
    expect((await h.store.get(entry.manifest.payload.key)).equals(spooled)).toBe(true);
  });

  it('re-uploads once on a CRC-64 mismatch, then fails without sending the manifest', async () => {
    const journal = journalArgs();
    h.traffic.fault = (req) =>
      req.method === 'HEAD' ? { status: 403, code: 'AccessDenied', message: 'no' } : undefined;
    expect((await push(journal, 'crc_check')).code).toBe(3);
    h.traffic.fault = undefined;
    // The journal now claims a CRC-64 the bytes do not have: what OSS computes can never match it.
    const entry = new Journal(journal[1] as string).pending()[0]!;
    const path = join(journal[1] as string, 'batches', `${entry.manifest.batchId}.json`);
    const doc = JSON.parse(readFileSync(path, 'utf8'));
    doc.manifest.payload.crc64 = '1';
    writeFileSync(path, JSON.stringify(doc));
    h.traffic.requests.length = 0;
    const run = await h.run([...journal, 'resume']);
    expect(run.code).toBe(5);
    expect(run.stderr).toContain('[PAYLOAD_CRC_MISMATCH]');
    expect(run.stderr.match(/payload CRC-64 mismatch/g)).toHaveLength(2);
    expect(h.traffic.requests.filter((r) => r.method === 'POST' && 'uploads' in r.query)).toHaveLength(2);
    expect(h.puts().filter((r) => r.key.endsWith('manifest.json'))).toEqual([]);
    expect(new Journal(journal[1] as string).get(entry.manifest.batchId)?.lastError?.code).toBe(
      'PAYLOAD_CRC_MISMATCH',
    );
  });

  it('reports a batch whose spool file is gone, keeps pushing others, and drops it on request', async () => {
    const journal = journalArgs();
    h.traffic.fault = (req) =>
      req.method === 'HEAD' ? { status: 403, code: 'AccessDenied', message: 'no' } : undefined;
    expect((await push(journal, 'lost_spool')).code).toBe(3);
    h.traffic.fault = undefined;
    const entry = new Journal(journal[1] as string).pending()[0]!;
    rmSync(entry.spoolPath as string);
    // Off a terminal (cron) a failure is still said, on stderr; on a terminal (or --verbose) on stdout.
    const resumed = await h.run([...journal, 'resume']);
    expect(resumed.code).toBe(4);
    expect(resumed.stderr).toContain(`FAILED the spooled payload of ${entry.manifest.batchId}`);
    expect(resumed.stderr).toContain(`qlib-sync resume --drop ${entry.manifest.batchId}`);
    const verbose = await h.run([...journal, 'resume', '--verbose']);
    expect(verbose.stdout).toContain(`FAILED the spooled payload of ${entry.manifest.batchId}`);
    const calendar = await h.run([
      ...journal,
      'push',
      fixture.root,
      '--from',
      'calendar',
      '--dataset',
      'lost_cal',
    ]);
    expect(calendar.code).toBe(0);
    expect(calendar.stderr).toContain('could not resume: the spooled payload');
    expect((await h.run([...journal, 'resume', '--drop', entry.manifest.batchId])).code).toBe(0);
    expect((await h.run([...journal, 'resume', '--verbose'])).stdout).toBe('nothing to resume\n');
  });
});
