import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../agent/journal/entry.js';
import { Journal } from '../../agent/journal/journal.js';
import { formatBatchKey } from '../../core/keys.js';
import { formatManifest } from '../../core/manifest.js';
import { generateQlibDir, type QlibFixture } from '../support/qlib-fixture.js';
import { type AgentHarness, startAgentHarness } from './agent-harness.js';

const manifestKey = (e: JournalEntry) =>
  formatBatchKey({
    area: 'incoming',
    kind: e.manifest.kind,
    dataset: e.manifest.dataset,
    batchId: e.manifest.batchId,
    file: 'manifest.json',
  });

/** The upload's contract with OSS and the journal, for payloads below the multipart threshold (a plain PUT). */
describe('upload contract (plain PUT payloads)', () => {
  let h: AgentHarness;
  let fixture: QlibFixture;
  let journals = 0;
  const journalDir = () => join(h.dir, `journal-${++journals}`);
  const push = (journal: string, dataset: string) =>
    h.run(['--journal', journal, 'push', fixture.root, '--dataset', dataset, '--fields', 'close,volume']);

  beforeAll(async () => {
    h = await startAgentHarness({ retries: 2, retryBaseMs: 1 });
    fixture = generateQlibDir({
      root: join(h.dir, 'qlib'),
      days: 10,
      instruments: 20,
      fields: ['close', 'volume'],
      seed: 21,
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it('sends the manifest with x-oss-forbid-overwrite, and takes OSS 409 FileAlreadyExists as uploaded', async () => {
    const journal = journalDir();
    // A retried manifest PUT whose first answer was lost gets 409 from OSS: the manifest is there already.
    const answers: string[] = [];
    h.traffic.fault = (req) => {
      if (req.method !== 'PUT' || !req.key.endsWith('/manifest.json')) return undefined;
      answers.push('409');
      return { status: 409, code: 'FileAlreadyExists', message: 'The object you specified already exists.' };
    };
    const run = await push(journal, 'exists_409');
    h.traffic.fault = undefined;
    expect(run.code).toBe(0);
    expect(answers).toEqual(['409']);
    const [entry] = new Journal(journal).list().entries as [JournalEntry];
    expect(entry.state).toBe('uploaded');
    expect(existsSync(join(journal, 'spool', `${entry.manifest.batchId}.csv.gz`))).toBe(false);
    // Only a request carrying the header gets OSS's 409 instead of a write.
    await h.store.put(manifestKey(entry), formatManifest(entry.manifest));
    const again = await h.store
      .put(manifestKey(entry), formatManifest(entry.manifest), { forbidOverwrite: true })
      .catch((e: unknown) => e);
    expect(again).toMatchObject({ code: 'OSS_EXISTS' });
  });

  it('resumes a batch whose manifest reached OSS with its answer lost without sending anything again', async () => {
    const journal = journalDir();
    h.traffic.fault = (req) =>
      req.method === 'PUT' && req.key.endsWith('/manifest.json')
        ? { status: 503, code: 'ServiceUnavailable', message: 'busy' }
        : undefined;
    expect((await push(journal, 'lost_answer')).code).toBe(5);
    h.traffic.fault = undefined;
    const [entry] = new Journal(journal).pending() as [JournalEntry];
    const key = manifestKey(entry);
    // The manifest PUT reached OSS but its answer was lost: the object is there already.
    await h.store.put(key, formatManifest(entry.manifest));
    h.traffic.requests.length = 0;
    const resumed = await h.run(['--journal', journal, 'resume', '--json']);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout).resumed).toEqual([entry.manifest.batchId]);
    // The cloud is asked first (status object, then the manifest in incoming/): nothing is sent.
    expect(h.puts()).toEqual([]);
    expect(h.oss.events.filter((e) => e.oss.object.key === key)).toHaveLength(1);
    expect(new Journal(journal).get(entry.manifest.batchId)?.state).toBe('uploaded');
    expect(existsSync(entry.spoolPath as string)).toBe(false);
  });

  it('journals "uploaded" before it deletes the spooled payload', async () => {
    const journal = journalDir();
    let entryFile = '';
    let saved = Buffer.alloc(0);
    let spool = '';
    // Once the manifest is on its way the journal cannot be written any more (a directory where the
    // entry's file was): the run stops right after OSS has the batch, before the journal says so.
    h.traffic.fault = (req) => {
      if (req.method === 'PUT' && req.key.endsWith('/manifest.json') && entryFile === '') {
        const [entry] = new Journal(journal).pending() as [JournalEntry];
        entryFile = join(journal, 'batches', `${entry.manifest.batchId}.json`);
        spool = entry.spoolPath as string;
        saved = readFileSync(entryFile);
        rmSync(entryFile);
        mkdirSync(entryFile);
      }
      return undefined;
    };
    const run = await push(journal, 'ordered');
    h.traffic.fault = undefined;
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('EISDIR');
    // The journal still says "uploading", so its payload must still be there.
    expect(existsSync(spool)).toBe(true);
    rmSync(entryFile, { recursive: true });
    writeFileSync(entryFile, saved);
    const resumed = await h.run(['--journal', journal, 'resume']);
    expect(resumed.code).toBe(0);
    const [entry] = new Journal(journal).list().entries as [JournalEntry];
    expect(entry.state).toBe('uploaded');
    expect(existsSync(spool)).toBe(false);
  });

  it('re-uploads once on a CRC-64 mismatch of a plain PUT, then reports it without the manifest', async () => {
    const journal = journalDir();
    h.traffic.fault = (req) =>
      req.method === 'HEAD' ? { status: 403, code: 'AccessDenied', message: 'no' } : undefined;
    expect((await push(journal, 'crc_plain')).code).toBe(3);
    h.traffic.fault = undefined;
    // The journal now claims a CRC-64 the bytes do not have: what OSS computes can never match it.
    const [entry] = new Journal(journal).pending() as [JournalEntry];
    const path = join(journal, 'batches', `${entry.manifest.batchId}.json`);
    const doc = JSON.parse(readFileSync(path, 'utf8'));
    doc.manifest.payload.crc64 = '1';
    writeFileSync(path, JSON.stringify(doc));
    h.traffic.requests.length = 0;
    const run = await h.run(['--journal', journal, 'resume']);
    expect(run.code).toBe(5);
    expect(run.stderr).toContain('[PAYLOAD_CRC_MISMATCH]');
    expect(run.stderr.match(/payload CRC-64 mismatch/g)).toHaveLength(2);
    expect(h.traffic.requests.filter((r) => r.method === 'POST')).toEqual([]);
    expect(h.puts().map((r) => r.key)).toEqual([entry.manifest.payload.key, entry.manifest.payload.key]);
    expect(new Journal(journal).get(entry.manifest.batchId)?.lastError?.code).toBe('PAYLOAD_CRC_MISMATCH');
  });
});
