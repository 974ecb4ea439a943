import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertStore } from '../../adapters/warehouse/alert-store.js';
import { IncidentStore } from '../../adapters/warehouse/incident-store.js';
import { claimRedrive, redriveHistory } from '../../adapters/warehouse/redrive-store.js';
import type { IncidentFinding } from '../../core/incident-message.js';
import { incidentKey, type Verdict } from '../../core/incidents.js';
import { createTestDatabase, type TestDatabase } from '../support/mysql.js';

/**
 * Exactly one message per state change, decided in the database: many writers applying the same finding at the same
 * time (overlapping monitor runs, FC retries, ingest and the monitor) produce one transition and one outbox row.
 */
describe('incident store: conditional writes under concurrency', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('incidents', {});
  });
  afterAll(async () => {
    await db?.drop();
  });

  const finding = (key: string, verdict: Verdict): IncidentFinding => ({
    check: 'freshness',
    subject: 'inc_daily',
    key,
    verdict,
    dataset: 'inc_daily',
    tradingDay: '2024-01-29',
    headline: `inc_daily 2024-01-29 ${verdict}`,
    what: [],
    where: {},
    todo: [],
  });

  it('12 concurrent writers per change: one opened, one escalated, one resolved, one outbox row each', async () => {
    const key = incidentKey('freshness', 'inc_daily', '2024-01-29');
    const stores = Array.from({ length: 12 }, () => new IncidentStore({ source: 'test', mail: false }));
    const race = async (verdict: Verdict) =>
      (
        await Promise.all(
          stores.map((s) => s.apply(db.pool, finding(key, verdict), new Date('2024-01-29T10:00:00Z'))),
        )
      ).filter((t) => t !== undefined);
    expect((await race('warn')).map((t) => t.transition)).toEqual(['opened']);
    expect(await race('warn')).toEqual([]);
    expect((await race('error')).map((t) => t.transition)).toEqual(['escalated']);
    expect(await race('warn')).toEqual([]); // no de-escalation while open
    expect((await race('ok')).map((t) => t.transition)).toEqual(['resolved']);
    expect(await race('ok')).toEqual([]);
    const [rows] = await db.pool.query(
      'SELECT dedupe_key, transition, severity FROM alerts WHERE dataset = ? ORDER BY id',
      ['inc_daily'],
    );
    expect(rows).toEqual([
      { dedupe_key: `${key}#1`, transition: 'opened', severity: 'warn' },
      { dedupe_key: `${key}#2`, transition: 'escalated', severity: 'error' },
      { dedupe_key: `${key}#3`, transition: 'resolved', severity: 'error' },
    ]);
    // Bad again after it resolved: reopened, once.
    expect((await race('error')).map((t) => t.transition)).toEqual(['reopened']);
  });

  it('with mail configured, each change queues one topic message and one mail message', async () => {
    const key = incidentKey('freshness', 'inc_mail', '2024-01-29');
    const store = new IncidentStore({ source: 'test', mail: true });
    const applied = await store.apply(db.pool, { ...finding(key, 'error'), dataset: 'inc_mail' }, new Date());
    expect(applied?.alertIds).toHaveLength(2);
    const [rows] = await db.pool.query(
      'SELECT dedupe_key, channel FROM alerts WHERE dataset = ? ORDER BY id',
      ['inc_mail'],
    );
    expect(rows).toEqual([
      { dedupe_key: `${key}#1`, channel: 'topic' },
      { dedupe_key: `${key}#1@mail`, channel: 'mail' },
    ]);
  });

  it('re-drive claims: of 8 overlapping runs claiming the same attempt of a batch, exactly one gets it', async () => {
    const claim = {
      batchId: '20240101T000000000Z-claim',
      attempt: 1,
      reason: 'lost_event' as const,
      manifestKey: 'k',
      runId: null,
    };
    const results = await Promise.all(Array.from({ length: 8 }, () => claimRedrive(db.pool, claim)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await claimRedrive(db.pool, { ...claim, attempt: 2 })).toBe(true);
    expect((await redriveHistory(db.pool, [claim.batchId])).get(claim.batchId)).toMatchObject({ count: 2 });
  });

  it('a message held by one publisher is not taken by another, even after its first try; released or abandoned, it is', async () => {
    const key = incidentKey('freshness', 'inc_hold', '2024-01-29');
    const applied = await new IncidentStore({ source: 'test', mail: false }).apply(
      db.pool,
      { ...finding(key, 'warn'), dataset: 'inc_hold' },
      new Date(),
    );
    const store = new AlertStore();
    const read = async () => (await store.pendingByIds(db.pool, applied?.alertIds ?? []))[0];
    const forIngest = await read();
    expect(forIngest && (await store.takeAttempt(db.pool, forIngest, 'ingest-1'))).toBe(true);
    // The monitor reads the message after ingest took it (publish_attempts is 1 now) while ingest waits for MNS.
    const forMonitor = await read();
    expect(forMonitor && (await store.takeAttempt(db.pool, forMonitor, 'monitor-1'))).toBe(false);
    expect(forIngest && (await store.takeAttempt(db.pool, forIngest, 'ingest-1'))).toBe(true); // its own retry
    await store.release(db.pool, forIngest?.id ?? 0, 'ingest-1');
    expect(forMonitor && (await store.takeAttempt(db.pool, forMonitor, 'monitor-1'))).toBe(true);
    // A holder that died: a minute after its last try, someone else may take the message.
    await db.pool.query(
      'UPDATE alerts SET last_attempt_at = last_attempt_at - INTERVAL 2 MINUTE WHERE id = ?',
      [forMonitor?.id],
    );
    expect(forMonitor && (await store.takeAttempt(db.pool, forMonitor, 'monitor-2'))).toBe(true);
  });
});
