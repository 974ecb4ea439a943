import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateQlibDir, type QlibFixture } from '../support/qlib-fixture.js';
import { type AgentHarness, startAgentHarness } from './agent-harness.js';

/** The agent's clock, `minutes` ahead of the machine's (the local OSS server keeps the real time). */
const ahead = (minutes: number) => ({ now: () => new Date(Date.now() + minutes * 60_000) });

interface CheckView {
  name: string;
  status: string;
  detail: string;
  fix?: string;
}

describe('a skewed clock (the agent signs with its own clock; the local OSS checks it)', () => {
  let h: AgentHarness;
  let fixture: QlibFixture;
  const doctor = async (minutes: number) => {
    const run = await h.run(
      ['--journal', join(h.dir, 'doctor-journal'), 'doctor', '--json'],
      {},
      ahead(minutes),
    );
    return { code: run.code, checks: JSON.parse(run.stdout).checks as CheckView[] };
  };

  beforeAll(async () => {
    h = await startAgentHarness();
    fixture = generateQlibDir({
      root: join(h.dir, 'qlib'),
      days: 5,
      instruments: 5,
      fields: ['close'],
      seed: 2,
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it('doctor fails the clock check with the measured skew when OSS refuses the listing', async () => {
    const { code, checks } = await doctor(20);
    expect(code).toBe(3);
    const byName = Object.fromEntries(checks.map((c) => [c.name, c]));
    expect(byName.bucket?.status).toBe('skip');
    expect(byName.clock).toMatchObject({ status: 'fail' });
    expect(byName.clock?.detail).toMatch(/^local clock is 1[12]\d\d s \(20 min\) ahead of OSS \(OSS says 20/);
    expect(byName.clock?.detail).toContain('RequestTimeTooSkewed');
    expect(byName.clock?.fix).toContain('enable NTP');
  });

  it('doctor warns about a skew OSS still accepts, and measures it from the Date header', async () => {
    const { code, checks } = await doctor(-5);
    expect(code).toBe(0);
    const clock = checks.find((c) => c.name === 'clock');
    expect(clock).toMatchObject({ status: 'warn' });
    expect(clock?.detail).toMatch(/^local clock is (29\d|30\d) s \(5 min\) behind OSS$/);
  });

  it('push stops at once with exit 3 and says to fix the clock (no retries)', async () => {
    const run = await h.run(
      ['push', fixture.root, '--dataset', 'skewed', '--fields', 'close', '--verbose'],
      {},
      ahead(-30),
    );
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/\[OSS_CLOCK_SKEW\] .*clock is more than 15 minutes off: fix the clock/);
    expect(run.stderr).toContain('enable NTP');
    expect(run.stderr).not.toContain('transient OSS fault, retrying');
  });
});
