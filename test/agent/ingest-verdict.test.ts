import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../agent/journal/entry.js';
import { Journal } from '../../agent/journal/journal.js';
import { generateQlibDir, type QlibFixture } from '../support/qlib-fixture.js';
import { type StackAgent, startStackAgent } from './stack-agent-harness.js';
import { type ProxiedRequest, type StoreProxyOptions, startStoreProxy } from './store-proxy.js';

const FIELDS = ['open', 'close', 'volume'];

/**
 * The agent and ingest together on the local stack: what ingest decides comes back to the agent (push
 * --wait, status, doctor), a lost OSS event is noticed and re-triggered, and a batch OSS already has is not
 * sent twice (issue 8 items 13, 15 and 16).
 */
describe('the agent hears what ingest decided', () => {
  let a: StackAgent;
  let fixture: QlibFixture;
  let journals = 0;
  const journal = () => join(a.dir, `journal-${++journals}`);
  const push = (dir: string, dataset: string, ...extra: string[]) => [
    '--journal',
    dir,
    'push',
    fixture.root,
    '--dataset',
    dataset,
    '--fields',
    FIELDS.join(','),
    ...extra,
  ];
  const count = async (dataset: string) =>
    Number((await a.query(`SELECT COUNT(*) AS n FROM f_${dataset}`))[0]?.n);
  /** A proxy in front of the stack's OSS for the test's duration. */
  const through = async <T>(
    options: StoreProxyOptions,
    fn: (url: string, seen: ProxiedRequest[]) => Promise<T>,
  ) => {
    const proxy = await startStoreProxy(a.stack.oss.url, options);
    try {
      return await fn(proxy.url, proxy.requests);
    } finally {
      await proxy.close();
    }
  };
  /** The manifest's PUT answered, but written with CopyObject, which the trigger does not fire on: a lost event. */
  const loseTheEvent: StoreProxyOptions['answer'] = async (req, body) => {
    if (req.method !== 'PUT' || !req.url.includes('/manifest.json')) return undefined;
    const key = decodeURIComponent(req.url.slice(1).split('?')[0] as string);
    await a.store.put(`parked/${key}`, body);
    await a.store.copy(key, `parked/${key}`);
    return { status: 200, headers: { etag: '"00000000000000000000000000000000"' } };
  };

  beforeAll(async () => {
    a = await startStackAgent('verdict');
    fixture = generateQlibDir({
      root: join(a.dir, 'qlib'),
      days: 10,
      instruments: 30,
      fields: FIELDS,
      seed: 23,
    });
  });
  afterAll(async () => {
    await a?.close();
  });

  it('push --wait: exit 0 once ingest loaded the batch, with its verdict in the result', async () => {
    const run = await a.run(push(journal(), 'wait_loaded', '--wait', '--json'));
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({
      status: 'uploaded',
      ingest: { status: 'loaded', rowsLoaded: result.rows },
    });
    expect(await count('wait_loaded')).toBe(result.rows);
  });

  it('push --wait: exit 4 naming the rule and reason.json when ingest rejects what the local rules passed', async () => {
    const dir = journal();
    expect((await a.run(push(dir, 'wait_rejected', '--end', fixture.calendar[4]!, '--wait'))).code).toBe(0);
    // Stricter rules in the cloud: the registry makes any NULL blocking; the agent's policy only warns.
    await a.query(`UPDATE datasets SET rules = ? WHERE dataset = 'wait_rejected'`, [
      JSON.stringify({ nullRatio: { severity: 'block', max: 0 } }),
    ]);
    const run = await a.run(push(dir, 'wait_rejected', '--since-last', '--wait'));
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(
      /qlib-sync: \[BATCH_REJECTED\] factors\/wait_rejected \S+ was rejected by ingest: NULL_RATIO: .*; the details are in quarantine\/factors\/wait_rejected\/\S+\/reason\.json/,
    );
    const rejected = new Journal(dir).list().entries.at(-1) as JournalEntry;
    expect(rejected).toMatchObject({ state: 'rejected', cloud: { code: 'NULL_RATIO' } });
  });

  it('a lost OSS event: --wait gives up with exit 7, status and doctor flag the batch, --retrigger loads it', async () => {
    const dir = journal();
    // The agent's clock, moved by its own sleeps: waiting costs no real time.
    let offset = 0;
    const now = () => new Date(Date.now() + offset);
    const sleep = async (ms: number) => {
      offset += ms;
    };
    const waited = await through({ answer: loseTheEvent }, (url) =>
      a.run(push(dir, 'lost_event', '--wait', '2'), { OSS_ENDPOINT: url }, { now, sleep }),
    );
    expect(waited.code, waited.stderr).toBe(7);
    expect(waited.stderr).toMatch(
      /qlib-sync: \[INGEST_OVERDUE\] factors\/lost_event (\S+) is uploaded, but ingest published no status for it within 2 min: the OSS event may have been lost/,
    );
    const [entry] = new Journal(dir).list().entries as [JournalEntry];
    const batchId = entry.manifest.batchId;
    expect(waited.stderr).toContain(`qlib-sync resume --retrigger ${batchId}`);
    expect(await a.store.head(`incoming/factors/lost_event/${batchId}/manifest.json`)).toBeDefined();

    // Within the limit (ingestOverdueMinutes, 30 by default) nothing is flagged; past it, status and doctor say so.
    const early = JSON.parse((await a.run(['--journal', dir, 'status', '--json'])).stdout);
    expect(early.overdue).toEqual([]);
    // 45 minutes pass (the journal says when the manifest went up).
    const path = join(dir, 'batches', `${batchId}.json`);
    const aged = JSON.parse(readFileSync(path, 'utf8'));
    aged.uploadedAt = new Date(Date.now() - 45 * 60_000).toISOString();
    writeFileSync(path, JSON.stringify(aged));
    const status = await a.run(['--journal', dir, 'status', '--json']);
    const document = JSON.parse(status.stdout);
    expect(document.batches[0]).toMatchObject({ batchId, state: 'uploaded', overdue: true });
    expect(document.overdue[0].message).toMatch(
      /uploaded 4\d min ago and ingest has published no status for it .*the OSS event that triggers ingest was probably lost/,
    );
    const human = await a.run(['--journal', dir, 'status']);
    expect(human.stdout).toContain(`OVERDUE ${batchId} was uploaded`);
    const doctor = await a.run(['--journal', dir, 'doctor']);
    expect(doctor.code, doctor.stdout).toBe(7);
    expect(doctor.stdout).toMatch(
      new RegExp(`\\[FAIL\\] ingest: factors/lost_event ${batchId}: uploaded 4\\d min ago`),
    );
    expect(doctor.stdout).toContain(`→ ${batchId} was uploaded`);

    const retriggered = await a.run(['--journal', dir, 'resume', '--retrigger', batchId, '--json']);
    expect(retriggered.code, retriggered.stderr).toBe(0);
    expect(JSON.parse(retriggered.stdout)).toMatchObject({ status: 'retriggered', batchId });
    // The same content pushed again with --wait waits for that batch's verdict.
    const verdict = await a.run(push(dir, 'lost_event', '--wait', '--json'));
    expect(verdict.code, verdict.stderr).toBe(0);
    expect(JSON.parse(verdict.stdout)).toMatchObject({
      status: 'already-uploaded',
      batchId,
      ingest: { status: 'loaded' },
    });
    expect(await count('lost_event')).toBe(entry.manifest.rowCount);
    expect((await a.run(['--journal', dir, 'doctor'])).code).toBe(0);
  });

  it('resume after a crash between the manifest PUT and the journal write sends nothing again', async () => {
    const dir = journal();
    const saved = join(a.dir, 'crashed-entry');
    // The journal as it is the moment the manifest goes up: what a kill -9 right after that PUT leaves.
    const snapshot: StoreProxyOptions['answer'] = async (req) => {
      if (req.method === 'PUT' && req.url.includes('/manifest.json')) {
        const [entry] = new Journal(dir).list().entries as [JournalEntry];
        copyFileSync(join(dir, 'batches', `${entry.manifest.batchId}.json`), `${saved}.json`);
        copyFileSync(entry.spoolPath as string, `${saved}.csv.gz`);
      }
      return undefined;
    };
    const first = await through({ answer: snapshot }, (url) =>
      a.run(push(dir, 'crash_window', '--wait', '--json'), { OSS_ENDPOINT: url }),
    );
    expect(first.code, first.stderr).toBe(0);
    const { batchId } = JSON.parse(first.stdout);
    // Ingest loaded it and moved the objects to loaded/; put the journal back as the crash left it.
    const crashed = JSON.parse(readFileSync(`${saved}.json`, 'utf8')) as JournalEntry;
    expect(crashed.state).not.toBe('uploaded');
    copyFileSync(`${saved}.json`, join(dir, 'batches', `${batchId}.json`));
    copyFileSync(`${saved}.csv.gz`, crashed.spoolPath as string);

    const resumed = await through({}, async (url, seen) => {
      const run = await a.run(['--journal', dir, 'resume', '--json'], { OSS_ENDPOINT: url });
      return { run, seen: [...seen] };
    });
    expect(resumed.run.code, resumed.run.stderr).toBe(0);
    expect(JSON.parse(resumed.run.stdout).resumed).toEqual([batchId]);
    expect(resumed.seen.filter((r) => r.method !== 'GET' && r.method !== 'HEAD')).toEqual([]);
    const after = new Journal(dir).get(batchId);
    expect(after).toMatchObject({ state: 'loaded', cloud: { status: 'loaded' } });
    expect(existsSync(crashed.spoolPath as string)).toBe(false);
    expect(await count('crash_window')).toBe(crashed.manifest.rowCount);
  });
});
