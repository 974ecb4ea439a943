import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../agent/journal/entry.js';
import { Journal } from '../../agent/journal/journal.js';
import { generateQlibDir, type QlibFixture } from '../support/qlib-fixture.js';
import { type AgentHarness, collect, manifests, startAgentHarness } from './agent-harness.js';

const FIELDS = ['open', 'close', 'high', 'low', 'volume'];
const PART = 102_400;
const FINISHED = 3;

describe('kill -9 during a multipart upload', () => {
  let h: AgentHarness;
  let fixture: QlibFixture;
  let journals = 0;
  const args = (journal: string, dataset: string) => [
    '--journal',
    journal,
    'push',
    fixture.root,
    '--dataset',
    dataset,
    '--fields',
    FIELDS.join(','),
    '--json',
  ];
  const parts = () =>
    h.traffic.requests.filter((r) => r.method === 'PUT' && r.query.partNumber !== undefined);

  /** A push killed right after part 3's state was journaled; its journal (own directory) and entry. */
  async function killedPush(dataset: string): Promise<{ journal: string; entry: JournalEntry }> {
    const journal = join(h.dir, `journal-${++journals}`);
    h.traffic.requests.length = 0;
    const child = h.spawn(args(journal, dataset));
    // Part number 4 arrives only after part 3's state is journaled: kill the agent right then.
    h.traffic.fault = (req) => {
      if (req.method === 'PUT' && req.query.partNumber !== undefined && parts().length > FINISHED) {
        child.kill('SIGKILL');
        return 'reset';
      }
      return undefined;
    };
    const killed = await collect(child);
    h.traffic.fault = undefined;
    expect(killed.code).toBe(137);
    const [entry] = new Journal(journal).pending() as [JournalEntry];
    expect(entry.state).toBe('uploading');
    return { journal, entry };
  }

  beforeAll(async () => {
    h = await startAgentHarness({ multipartThreshold: 200_000, partSize: PART, parallel: 1 });
    fixture = generateQlibDir({
      root: join(h.dir, 'qlib'),
      days: 30,
      instruments: 1500,
      fields: FIELDS,
      seed: 11,
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it('resumes without re-sending finished parts and uploads the spooled bytes exactly', async () => {
    const { journal, entry } = await killedPush('cn_daily');
    expect(entry.multipart?.doneParts.map((p) => p.number)).toEqual([1, 2, 3]);
    // Only what resuming needs is journaled, in our own fields (not ali-oss's internal checkpoint object).
    const file = JSON.parse(readFileSync(join(journal, 'batches', `${entry.manifest.batchId}.json`), 'utf8'));
    expect(file.formatVersion).toBe(2);
    expect(file.checkpoint).toBeUndefined();
    expect(Object.keys(file.multipart)).toEqual(['uploadId', 'partSize', 'doneParts']);
    const spooled = readFileSync(entry.spoolPath as string);
    const totalParts = Math.ceil(spooled.length / PART);
    expect(totalParts).toBeGreaterThan(FINISHED + 1);

    h.traffic.requests.length = 0;
    const rerun = await collect(h.spawn(args(journal, 'cn_daily')));
    expect(rerun.stderr).not.toContain('"level":"error"');
    expect(rerun.code).toBe(0);
    expect(JSON.parse(rerun.stdout.trim().split('\n').at(-1) as string)).toMatchObject({
      status: 'already-uploaded',
      batchId: entry.manifest.batchId,
    });
    expect(parts().map((r) => Number(r.query.partNumber))).toEqual(
      Array.from({ length: totalParts - FINISHED }, (_, i) => FINISHED + 1 + i),
    );
    expect(h.traffic.requests.filter((r) => r.method === 'POST' && 'uploads' in r.query)).toEqual([]);
    expect((await h.store.get(entry.manifest.payload.key)).equals(spooled)).toBe(true);
    expect(new Journal(journal).get(entry.manifest.batchId)?.state).toBe('uploaded');
    expect((await manifests(h.store, 'incoming/factors/cn_daily/')).map((m) => m.batchId)).toEqual([
      entry.manifest.batchId,
    ]);

    h.traffic.requests.length = 0;
    const again = await h.run(args(journal, 'cn_daily'));
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).status).toBe('already-uploaded');
    expect(h.puts()).toEqual([]);
    expect(parts()).toEqual([]);
  });

  it('resumes an entry an older qlib-sync wrote (format 1 with ali-oss checkpoint) from its parts', async () => {
    const { journal, entry } = await killedPush('cn_v1');
    const path = join(journal, 'batches', `${entry.manifest.batchId}.json`);
    const v2 = JSON.parse(readFileSync(path, 'utf8'));
    const { multipart, ...rest } = v2;
    const checkpoint = {
      file: entry.spoolPath,
      name: entry.manifest.payload.key,
      fileSize: entry.manifest.payload.bytes,
      ...multipart,
    };
    writeFileSync(path, JSON.stringify({ ...rest, formatVersion: 1, checkpoint }));

    h.traffic.requests.length = 0;
    const resumed = await h.run(['--journal', journal, 'resume', '--json']);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout).resumed).toEqual([entry.manifest.batchId]);
    expect(parts().map((r) => Number(r.query.partNumber))[0]).toBe(FINISHED + 1);
    expect(h.traffic.requests.filter((r) => r.method === 'POST' && 'uploads' in r.query)).toEqual([]);
    const after = JSON.parse(readFileSync(path, 'utf8'));
    expect(after).toMatchObject({ formatVersion: 2, state: 'uploaded' });
    expect(after.checkpoint).toBeUndefined();
  });
});
