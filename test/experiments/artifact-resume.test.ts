import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OssInterceptedRequest } from '../../local/oss/server.js';
import { collect } from '../agent/agent-harness.js';
import { type MlflowModel, type ModelRun, researchServerModel } from '../support/mlflow-model.js';
import { writeMlruns } from '../support/mlruns-fixture.js';
import { expectArtifacts } from './expect-source.js';
import { type ExperimentsEnv, startExperimentsEnv } from './harness.js';

const MIB = 1024 * 1024;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** kill -9 of the real agent binary in the middle of a 50 MiB artifact, then the next push-runs resumes it. */
describe.sequential('SIGKILL mid-artifact', () => {
  let e: ExperimentsEnv;
  let model: MlflowModel;
  let mlruns: string;
  const seen: OssInterceptedRequest[] = [];
  const isModel = (r: OssInterceptedRequest) => r.key.endsWith('/params.pkl');
  const parts = () =>
    seen.filter((r) => isModel(r) && r.method === 'PUT' && r.query.partNumber !== undefined);
  const args = () => [
    'push-runs',
    '--mlruns',
    mlruns,
    '--dataset',
    'research01',
    '--artifacts',
    'all',
    '--json',
  ];

  beforeAll(async () => {
    e = await startExperimentsEnv('exp_kill', { multipartThreshold: MIB, partSize: 2 * MIB, parallel: 1 });
    model = researchServerModel({ bigArtifactBytes: 50 * MIB });
    mlruns = join(e.dir, 'mlruns');
    writeMlruns(mlruns, model);
  });
  afterAll(async () => {
    await e?.close();
  });

  it('resumes the multipart upload without re-sending finished parts; the object is byte-identical', async () => {
    const finished = 5;
    const child = e.spawn(args());
    e.faults.current = (req) => {
      seen.push(req);
      // Part 6 is requested only after part 5's state is journaled: kill the agent right then.
      if (
        isModel(req) &&
        req.method === 'PUT' &&
        req.query.partNumber !== undefined &&
        parts().length > finished
      ) {
        child.kill('SIGKILL');
        return 'reset';
      }
      return undefined;
    };
    const killed = await collect(child);
    expect(killed.code).toBe(137);
    e.faults.current = (req) => {
      seen.push(req);
      return undefined;
    };
    // Nothing of the batch went up: artifacts go first, the manifest last.
    expect(seen.filter((r) => r.key.startsWith('incoming/'))).toEqual([]);
    const journaled = readdirSync(join(e.dir, 'journal', 'artifacts')).map((name) =>
      JSON.parse(readFileSync(join(e.dir, 'journal', 'artifacts', name), 'utf8')),
    );
    const state = journaled.find((j) => String(j.key).endsWith('/params.pkl'));
    expect(state.multipart.doneParts.map((p: { number: number }) => p.number)).toEqual([1, 2, 3, 4, 5]);

    seen.length = 0;
    const rerun = await e.exec(args());
    expect(rerun.stderr).not.toContain('"level":"error"');
    expect(rerun.code).toBe(0);
    expect(JSON.parse(rerun.stdout.trim().split('\n').at(-1) as string)).toMatchObject({
      status: 'uploaded',
    });
    expect(parts().map((r) => Number(r.query.partNumber))).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 6),
    );
    expect(seen.filter((r) => isModel(r) && r.method === 'POST' && 'uploads' in r.query)).toEqual([]);
    const run = model.runs.find((r) => r.artifacts['params.pkl'] !== undefined) as ModelRun;
    const key = `artifacts/research01/${run.id}/params.pkl`;
    expect(sha256(await e.store.get(key))).toBe(sha256(run.artifacts['params.pkl'] as Buffer));
    expect(readdirSync(join(e.dir, 'journal', 'artifacts'))).toEqual([]);

    const [outcome] = await e.deliver();
    expect(outcome).toMatchObject({ status: 'loaded' });
    await expectArtifacts(e, run, () => true);
  }, 180_000);
});
