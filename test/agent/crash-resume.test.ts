import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../agent/journal/entry.js';
import { Journal } from '../../agent/journal/journal.js';
import { generateQlibDir, type QlibFixture } from '../support/qlib-fixture.js';
import { type AgentHarness, collect, manifests, startAgentHarness } from './agent-harness.js';

const FIELDS = ['open', 'close', 'high', 'low', 'volume'];
const PART = 102_400;

describe('kill -9 during a multipart upload', () => {
  let h: AgentHarness;
  let fixture: QlibFixture;
  const args = () => ['push', fixture.root, '--dataset', 'cn_daily', '--fields', FIELDS.join(','), '--json'];
  const parts = () =>
    h.traffic.requests.filter((r) => r.method === 'PUT' && r.query.partNumber !== undefined);

  // Each test its own store, journal and qlib directory: a push one test makes must not be "already uploaded"
  // for another.
  beforeEach(async () => {
    h = await startAgentHarness({ multipartThreshold: 200_000, partSize: PART, parallel: 1 });
    fixture = generateQlibDir({
      root: join(h.dir, 'qlib'),
      days: 30,
      instruments: 1500,
      fields: FIELDS,
      seed: 11,
    });
  });
  afterEach(async () => {
    await h.close();
  });

  it('resumes without re-sending finished parts and uploads the spooled bytes exactly', async () => {
    const finished = 3;
    const child = h.spawn(args());
    // Part number 4 arrives only after part 3's checkpoint is journaled: kill the agent right then.
    h.traffic.fault = (req) => {
      if (req.method === 'PUT' && req.query.partNumber !== undefined && parts().length > finished) {
        child.kill('SIGKILL');
        return 'reset';
      }
      return undefined;
    };
    const killed = await collect(child);
    expect(killed.code).toBe(137);
    h.traffic.fault = undefined;

    const journal = new Journal(join(h.dir, 'journal'));
    const [entry] = journal.pending() as [JournalEntry];
    expect(entry.state).toBe('uploading');
    expect(entry.checkpoint?.doneParts.map((p) => p.number)).toEqual([1, 2, 3]);
    expect(entry.checkpoint?.file).toBe(entry.spoolPath);
    const spooled = readFileSync(entry.spoolPath as string);
    const totalParts = Math.ceil(spooled.length / PART);
    expect(totalParts).toBeGreaterThan(finished + 1);

    h.traffic.requests.length = 0;
    const rerun = await collect(h.spawn(args()));
    expect(rerun.stderr).not.toContain('"level":"error"');
    expect(rerun.code).toBe(0);
    expect(JSON.parse(rerun.stdout.trim().split('\n').at(-1) as string)).toMatchObject({
      status: 'already-uploaded',
      batchId: entry.manifest.batchId,
    });
    expect(parts().map((r) => Number(r.query.partNumber))).toEqual(
      Array.from({ length: totalParts - finished }, (_, i) => finished + 1 + i),
    );
    expect(h.traffic.requests.filter((r) => r.method === 'POST' && 'uploads' in r.query)).toEqual([]);
    expect((await h.store.get(entry.manifest.payload.key)).equals(spooled)).toBe(true);
    expect(journal.get(entry.manifest.batchId)?.state).toBe('uploaded');
    expect((await manifests(h.store)).map((m) => m.batchId)).toEqual([entry.manifest.batchId]);
  });

  it('sends nothing when the same data is pushed again', async () => {
    const first = await h.run(args());
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).status).toBe('uploaded');
    h.traffic.requests.length = 0;
    const again = await h.run(args());
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).status).toBe('already-uploaded');
    expect(h.puts()).toEqual([]);
    expect(parts()).toEqual([]);
  });
});
