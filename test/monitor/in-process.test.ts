import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monitorHealth } from '../../adapters/warehouse/monitor-runs.js';
import { createLogger } from '../../core/logger.js';
import type { MonitorDeps } from '../../functions/monitor/deps.js';
import { findLostManifests } from '../../functions/monitor/lost-events.js';
import { runMonitor } from '../../functions/monitor/run.js';
import { RunContext } from '../../functions/monitor/run-context.js';
import { createMonitorDeps } from '../../functions/monitor/wiring.js';
import { runSlaCli } from '../../scripts/sla.js';
import { factorRows, floatColumns, makeBatch } from '../ingest/batch-builder.js';
import {
  ACCOUNT,
  CREDENTIALS,
  type DirectEnv,
  functionConfig,
  REGION,
  receiveAlerts,
  startDirect,
} from '../ingest/harness.js';

/** The monitor's run in this process with real clients (MariaDB, the local OSS and MNS): its bookkeeping. */
describe('monitor run in-process: the watcher is watched, the incoming/ scan is bounded and resumes', () => {
  let env: DirectEnv;
  let deps: MonitorDeps;
  beforeAll(async () => {
    env = await startDirect('monitor_ip');
    await env.mnsClient.createQueue('qlib-failures');
    deps = createMonitorDeps({
      config: functionConfig({
        OSS_ENDPOINT: env.oss.url,
        MNS_ENDPOINT: env.mns.url,
        MYSQL_URL: env.db.url,
        FUNCTION_ENDPOINT: 'http://127.0.0.1:9',
        REDRIVE_AFTER_MINUTES: '0',
      }),
      pool: env.db.pool,
      context: { requestId: 'in-process', credentials: CREDENTIALS, region: REGION, accountId: ACCOUNT },
      logger: createLogger({ write: () => {}, now: () => new Date() }),
    });
    expect(
      await runSlaCli(['set', '*', '--off'], { MYSQL_URL: env.db.url }, { out: () => {}, err: () => {} }),
    ).toBe(0);
  });
  afterAll(async () => {
    await env?.close();
  });

  it('a gap of more than two intervals without a completed run is reported by the next run, and over when it completes', async () => {
    const at = (t: string) => new Date(`2024-04-01T${t}:00Z`);
    const first = await runMonitor(deps, at('10:00'));
    expect(first.status, JSON.stringify(first.errors)).toBe('completed');
    const silent = (t: { incident: string }) => t.incident.startsWith('monitor_silent|');
    expect((await runMonitor(deps, at('10:10'))).transitions.filter(silent)).toEqual([]);
    expect((await monitorHealth(env.db.pool, 10, at('10:25'))).stale).toBe(false);
    expect((await monitorHealth(env.db.pool, 10, at('10:31'))).stale).toBe(true);
    const late = await runMonitor(deps, at('10:45'));
    expect(late.transitions.filter(silent).map((t) => `${t.incident} ${t.transition}`)).toEqual([
      'monitor_silent|qlib-monitor|2024-04-01T10:10:00.000Z opened',
      'monitor_silent|qlib-monitor|2024-04-01T10:10:00.000Z resolved',
    ]);
    const received = (await receiveAlerts(env.mnsClient, env.inbox)).filter(
      (m) => m.check === 'monitor_silent',
    );
    expect(received.map((m) => m.summary)).toEqual([
      'WARN the monitor completed no run for 35 min (last 2024-04-01T10:10:00.000Z; every 10 min expected)',
      'RESOLVED the monitor completed a run (scheduled 2024-04-01T10:45:00.000Z)',
    ]);
    const health = await monitorHealth(env.db.pool, 10, at('10:50'));
    expect(health).toMatchObject({ stale: false, lastCompleted: { scheduledAt: '2024-04-01 10:45:00.000' } });
    const [row] = await env.query(
      "SELECT status, checks, transitions, published FROM monitor_runs WHERE scheduled_at = '2024-04-01 10:45:00'",
    );
    expect(row).toMatchObject({ status: 'completed', checks: expect.any(Number) });
    expect(Number(row?.transitions)).toBeGreaterThanOrEqual(2);
  });

  it('scans incoming/ a bounded number of pages per run, saves where it stopped, and finds every lost manifest', async () => {
    // 30 abandoned uploads (a payload, no manifest) and 4 manifests whose events were lost, among 34 batch prefixes.
    const columns = floatColumns(1);
    const lost: string[] = [];
    for (let i = 0; i < 34; i++) {
      const batch = makeBatch({
        dataset: `scan_${i % 3}`,
        columns,
        rows: factorRows({ dates: ['2024-04-01'], instruments: 2, columns, seed: i }),
      });
      await env.client.put(batch.payloadKey, batch.payload);
      if (i % 9 === 4) {
        await env.client.put(batch.manifestKey, Buffer.from(batch.manifestText));
        lost.push(batch.batchId);
      }
    }
    expect(lost).toHaveLength(4);
    const found: string[] = [];
    const positions: string[] = [];
    for (let run = 0; run < 3; run++) {
      const ctx = new RunContext(deps, 0, new Date());
      found.push(...(await findLostManifests(ctx, 10, { pageSize: 10, pages: 2 })).map((c) => c.batchId));
      const [figures] = ctx.results.map(
        (r) => r.figures as { pages: number; objects: number; to: string; wrapped: boolean },
      );
      positions.push(String(figures?.to));
      expect(figures?.pages).toBeLessThanOrEqual(2);
    }
    // 38 keys at 20 per run: the first run stops half-way (the position saved), the second reaches the end and wraps.
    expect(positions[0]).toMatch(/^incoming\/factors\/scan_/);
    expect(positions[1]).toBe('');
    expect([...new Set(found)].sort()).toEqual([...lost].sort());
  });
});
