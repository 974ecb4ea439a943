import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Journal } from '../../agent/journal/journal.js';
import { generateQlibDir, type QlibFixture } from '../support/qlib-fixture.js';
import { type AgentHarness, startAgentHarness } from './agent-harness.js';

const FIELDS = ['open', 'close', 'high', 'low', 'volume'];

/** Issue 8 item 16: the network going away in the middle of an upload. */
describe('a network cut mid-upload', () => {
  let h: AgentHarness;
  let fixture: QlibFixture;
  let journals = 0;
  const journal = () => join(h.dir, `journal-${++journals}`);
  const parts = () => h.traffic.requests.filter((r) => r.query.partNumber !== undefined);

  beforeAll(async () => {
    h = await startAgentHarness({
      multipartThreshold: 200_000,
      partSize: 102_400,
      retries: 4,
      retryBaseMs: 1000,
    });
    fixture = generateQlibDir({
      root: join(h.dir, 'qlib'),
      days: 20,
      instruments: 1000,
      fields: FIELDS,
      seed: 21,
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it('each retry waits out its backoff (1 s doubling, jittered) before the next request goes out', async () => {
    // Everything in order: the requests OSS sees, and the agent's sleeps (injected, so no real waiting).
    const events: string[] = [];
    h.traffic.fault = (req) => {
      const part = req.query.partNumber;
      events.push(part === undefined ? `${req.method} ${req.key.split('/').at(-1)}` : `part ${part}`);
      return part === '2' ? { status: 503, code: 'ServiceUnavailable', message: 'busy' } : undefined;
    };
    const delays: number[] = [];
    const sleep = async (ms: number) => {
      delays.push(ms);
      events.push(`sleep ${ms}`);
      // Resolve a few turns of the event loop later: an agent that did not wait for the sleep would
      // have sent its next request by then.
      for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
      events.push('woke');
    };
    const run = await h.run(
      ['--journal', journal(), 'push', fixture.root, '--dataset', 'backoff', '--fields', FIELDS.join(',')],
      { QLIB_SYNC_PARALLEL: '1' },
      { sleep },
    );
    h.traffic.fault = undefined;
    expect(run.code).toBe(5);
    expect(run.stderr).toMatch(
      /\[OSS_UNAVAILABLE\] gave up after 4 attempts: upload \S+: OSS is unavailable \(503/,
    );
    // 3 waits between 4 attempts, each in [cap/2, cap] with cap = 1000 · 2^(attempt-1).
    expect(delays).toHaveLength(3);
    delays.forEach((delay, i) => {
      const cap = 1000 * 2 ** i;
      expect(delay).toBeGreaterThanOrEqual(cap / 2);
      expect(delay).toBeLessThanOrEqual(cap);
    });
    // Nothing reaches OSS while the agent sleeps, and each attempt starts after its sleep.
    for (const delay of delays) {
      const at = events.indexOf(`sleep ${delay}`);
      expect(events[at - 1], events.join(' | ')).toBe('part 2');
      expect(events[at + 1], events.join(' | ')).toBe('woke');
      expect(events[at + 2], events.join(' | ')).toBe('part 2');
    }
  });

  it('a connection that drops mid-upload: one message without urllib noise, and resume finishes it', async () => {
    const dir = journal();
    // The network goes away after the second part: every request from then on has its connection reset.
    h.traffic.requests.length = 0;
    h.traffic.fault = () => (parts().length > 2 ? 'reset' : undefined);
    const run = await h.exec(
      ['--journal', dir, 'push', fixture.root, '--dataset', 'cut', '--fields', FIELDS.join(',')],
      {
        QLIB_SYNC_RETRY_BASE_MS: '5',
      },
    );
    h.traffic.fault = undefined;
    expect(run.code).toBe(5);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^qlib-sync: \[OSS_UNAVAILABLE\] gave up after 4 attempts: upload \S+: OSS at 127\.0\.0\.1:\d+ did not answer \((ECONNRESET|EPIPE): [^)]*\); check the endpoint/,
    );
    expect(lines[1]).toMatch(/^ {2}→ OSS could not be reached; the batch stays in the journal/);
    expect(lines).toHaveLength(2);
    expect(run.stderr).not.toMatch(/urllib|callback twice|agent status|\n\s+at /);

    const [entry] = new Journal(dir).pending();
    const resumed = await h.run(['--journal', dir, 'resume', '--json']);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout).resumed).toEqual([entry!.manifest.batchId]);
  });
});
