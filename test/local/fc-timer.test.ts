import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../local/fc/clock.js';
import { parseSchedule } from '../../local/fc/cron.js';
import { type FcRuntime, startFcRuntime } from '../../local/fc/runtime.js';
import { ACCOUNT_ID, fixture, readSeen, STS, tempDir } from './fc-fixtures.js';

describe('fc runtime: timer triggers on a ManualClock', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let out: string;
  let fc: FcRuntime;
  let clock: ManualClock;
  const fired = (fn: string) => fc.invocations().filter((r) => r.fn === fn);

  // Each test its own clock from 2024-03-01 00:00 UTC and its own runtime: a ManualClock only moves forward.
  beforeEach(async () => {
    clock = new ManualClock(new Date('2024-03-01T00:00:00Z'));
    dir = await tempDir('fc-timer');
    out = join(dir.path, 'out');
    fc = await startFcRuntime({
      sYamlPath: fixture('timer.s.yaml'),
      env: { OUT_DIR: out },
      config: { AccountID: ACCOUNT_ID },
      credentials: STS,
      clock,
      // @every 1h fires 26 times in the next-day test; two instances per function keep that cheap.
      instanceCap: 2,
      log: () => {},
    });
  });

  afterEach(async () => {
    await fc?.close();
    await dir?.remove();
  });

  it('fires a CRON_TZ=Asia/Shanghai timer at 09:00 Shanghai (01:00 UTC), not a second before', async () => {
    await clock.set(new Date('2024-03-01T00:59:59Z'));
    await fc.idle();
    expect(fired('sh-ticker')).toHaveLength(0);

    await clock.set(new Date('2024-03-01T01:00:00Z'));
    await fc.idle();
    const [run] = fired('sh-ticker');
    expect(run).toMatchObject({ trigger: 'timer', async: true, status: 'succeeded' });
    const seen = await readSeen(out, run?.requestId as string);
    expect(JSON.parse(seen.event)).toEqual({
      triggerTime: '2024-03-01T01:00:00Z',
      triggerName: 'morning-shanghai',
      payload: '',
    });
  });

  it('fires a UTC cron at its second with its payload, and @every on its interval', async () => {
    await clock.set(new Date('2024-03-01T02:29:59Z'));
    await fc.idle();
    expect(fired('utc-ticker')).toHaveLength(0);
    expect(fired('every-ticker')).toHaveLength(2);

    await clock.advance(1000);
    await fc.idle();
    const [run] = fired('utc-ticker');
    const seen = await readSeen(out, run?.requestId as string);
    expect(JSON.parse(seen.event)).toEqual({
      triggerTime: '2024-03-01T02:30:00Z',
      triggerName: 'nightly',
      payload: '{"job":"nightly"}',
    });
    const hourly = await Promise.all(fired('every-ticker').map((r) => readSeen(out, r.requestId)));
    expect(hourly.map((s) => JSON.parse(s.event).triggerTime).sort()).toEqual([
      '2024-03-01T01:00:00Z',
      '2024-03-01T02:00:00Z',
    ]);
  });

  it('fires again the next day and never fires a disabled timer', async () => {
    await clock.set(new Date('2024-03-02T02:30:00Z'));
    await fc.idle();
    expect(fired('utc-ticker')).toHaveLength(2);
    expect(fired('sh-ticker')).toHaveLength(2);
    expect(fired('off-ticker')).toHaveLength(0);
  });
});

describe('FC cron schedules', () => {
  const from = new Date('2024-01-01T00:00:00Z');

  it('reads six fields, seconds first, in UTC unless CRON_TZ says otherwise', () => {
    expect(parseSchedule('15 0 0 * * *').next(from).toISOString()).toBe('2024-01-01T00:00:15.000Z');
    expect(parseSchedule('0 0 8 * * *').next(from).toISOString()).toBe('2024-01-01T08:00:00.000Z');
    expect(parseSchedule('CRON_TZ=Asia/Shanghai 0 0 8 * * *').next(from).toISOString()).toBe(
      '2024-01-02T00:00:00.000Z',
    );
    expect(parseSchedule('0 0 12 * * ?').next(from).toISOString()).toBe('2024-01-01T12:00:00.000Z');
  });

  it('reads @every with h, m and s', () => {
    expect(parseSchedule('@every 90s').next(from).toISOString()).toBe('2024-01-01T00:01:30.000Z');
    expect(parseSchedule('@every 1h30m').next(from).toISOString()).toBe('2024-01-01T01:30:00.000Z');
  });

  it('refuses five-field crons, bad values and unknown zones', () => {
    expect(() => parseSchedule('0 8 * * *')).toThrow(/6 fields/);
    expect(() => parseSchedule('0 99 8 * * *')).toThrow(/FC|range|cronExpression/);
    expect(() => parseSchedule('CRON_TZ=Mars/Olympus 0 0 8 * * *')).toThrow(/time zone/);
    expect(() => parseSchedule('@every 0m')).toThrow(/positive/);
  });
});
