import { describe, expect, it } from 'vitest';
import { ProfileBuilder } from '../../core/drift/profile.js';
import { findDrift, robustZ } from '../../core/drift/robust-z.js';
import { formatMessage, type IncidentFinding } from '../../core/incident-message.js';
import { decideTransition, incidentKey } from '../../core/incidents.js';
import {
  deadlines,
  dueDays,
  effectiveSla,
  isoWeek,
  offsetMinutes,
  parseSlaSettings,
} from '../../core/sla.js';
import { planSubscriptions } from '../../core/subscription-plan.js';
import { localDay, zonedInstant } from '../../core/zoned-time.js';

describe('incidents: one transition per state change', () => {
  it.each([
    [undefined, 'ok', undefined],
    [undefined, 'warn', 'opened warn'],
    [undefined, 'error', 'opened error'],
    [{ state: 'open', severity: 'warn' }, 'warn', undefined],
    [{ state: 'open', severity: 'warn' }, 'error', 'escalated error'],
    [{ state: 'open', severity: 'error' }, 'error', undefined],
    [{ state: 'open', severity: 'error' }, 'warn', undefined],
    [{ state: 'open', severity: 'error' }, 'ok', 'resolved error'],
    [{ state: 'resolved', severity: 'warn' }, 'ok', undefined],
    [{ state: 'resolved', severity: 'warn' }, 'error', 'reopened error'],
  ] as const)('%j + %s → %s', (current, verdict, expected) => {
    const d = decideTransition(current === undefined ? undefined : { ...current, revision: 1 }, verdict);
    expect(d === undefined ? undefined : `${d.transition} ${d.severity}`).toBe(expected);
  });

  it('puts the one-line summary first in the JSON body', () => {
    const finding: IncidentFinding = {
      check: 'freshness',
      subject: 'cn_daily',
      key: incidentKey('freshness', 'cn_daily', '2024-01-29'),
      verdict: 'error',
      headline: 'cn_daily 2024-01-29 not loaded by 20:00 (last loaded 2024-01-26)',
      what: [],
      where: {},
      todo: [],
    };
    const body = formatMessage(
      finding,
      'escalated',
      'error',
      { id: 1, key: finding.key, revision: 2, openedAt: 'x' },
      new Date(0),
    );
    expect(JSON.stringify(body).startsWith('{"summary":"ERROR cn_daily 2024-01-29 not loaded by 20:00')).toBe(
      true,
    );
  });
});

describe('SLA times and trading days', () => {
  it('reads HH:MM and HH:MM+Nd, and refuses other forms with every problem', () => {
    expect(offsetMinutes('17:30')).toBe(17 * 60 + 30);
    expect(offsetMinutes('09:00+1d')).toBe(1440 + 540);
    expect(() => parseSlaSettings({ due: '9:00', frequency: 'hourly', extra: 1 })).toThrow(
      expect.objectContaining({
        problems: expect.arrayContaining([
          expect.objectContaining({ path: '$.due' }),
          expect.objectContaining({ path: '$.frequency' }),
        ]),
      }),
    );
  });

  it('turns wall-clock deadlines into instants in the zone, across a DST change', () => {
    const sh = effectiveSla('cn_daily');
    expect(deadlines(sh, '2024-01-29').error.toISOString()).toBe('2024-01-29T12:00:00.000Z');
    // New York moved to daylight time on Sunday 10 March 2024: 18:00 is 23:00Z before and 22:00Z after.
    const ny = effectiveSla('us', { timeZone: 'America/New_York' });
    expect(deadlines(ny, '2024-03-08').warn.toISOString()).toBe('2024-03-08T23:00:00.000Z');
    expect(deadlines(ny, '2024-03-11').warn.toISOString()).toBe('2024-03-11T22:00:00.000Z');
    expect(zonedInstant('2024-03-10', 150, 'America/New_York').toISOString()).toBe(
      '2024-03-10T07:30:00.000Z',
    );
    expect(localDay(new Date('2024-01-29T16:30:00Z'), 'Asia/Shanghai')).toBe('2024-01-30');
  });

  it('owes data on every trading day, or on the last trading day of each ISO week / month', () => {
    const days = [
      '2024-01-29',
      '2024-01-30',
      '2024-02-01',
      '2024-02-05',
      '2024-02-08',
      '2024-02-19',
      '2024-02-20',
    ];
    expect(dueDays(days, 'day', '2024-02-08')).toEqual(days.slice(0, 5));
    expect(dueDays(days, 'week', '2024-02-20')).toEqual(['2024-02-01', '2024-02-08']);
    expect(dueDays(days, 'month', '2024-02-20')).toEqual(['2024-01-30']);
    // The calendar stops mid-week: that day is not the week's due day until the week is over.
    expect(dueDays(days.slice(0, 4), 'week', '2024-02-05')).toEqual(['2024-02-01']);
    expect(dueDays(days.slice(0, 4), 'week', '2024-02-12')).toEqual(['2024-02-01', '2024-02-05']);
    expect(isoWeek('2024-12-30')).toBe('2025-W01');
  });
});

describe('drift: profiles and robust z-scores', () => {
  it('profiles each day: rows, NULLs, mean and standard deviation, precise at large magnitudes', () => {
    const builder = new ProfileBuilder(['a', 'b']);
    const values = [1e9 + 1, 1e9 + 2, 1e9 + 3];
    for (const v of values) builder.observe('2024-01-02', [v, null]);
    builder.observe('2024-01-01', [Number.NaN, 4]);
    const [first, second] = builder.profiles();
    expect(first).toEqual({
      date: '2024-01-01',
      rows: 1,
      columns: { a: { n: 0, nulls: 1, mean: null, std: null }, b: { n: 1, nulls: 0, mean: 4, std: 0 } },
    });
    expect(second?.columns.a?.mean).toBe(1e9 + 2);
    expect(second?.columns.a?.std).toBeCloseTo(Math.sqrt(2 / 3), 9);
    expect(second?.columns.b).toEqual({ n: 0, nulls: 3, mean: null, std: null });
  });

  it('scores by median and MAD, falling back when the MAD is 0', () => {
    expect(robustZ(10, [1, 2, 3, 4, 5])).toBeCloseTo((0.6745 * 7) / 1, 9);
    expect(robustZ(3, [3, 3, 3, 3, 4])).toBe(0);
    expect(robustZ(5, [3, 3, 3, 3, 4])).toBeCloseTo(2 / (1.2533 * 0.2), 9);
    expect(robustZ(4, [3, 3, 3])).toBe(Number.POSITIVE_INFINITY);
  });

  it('names the drifted column, and ignores changes too small to matter', () => {
    const day = (date: string, mean: number, nulls = 0) => ({
      date,
      rows: 100,
      columns: { x: { n: 100 - nulls, nulls, mean, std: 1 }, y: { n: 100, nulls: 0, mean: 0.5, std: 1 } },
    });
    const history = Array.from({ length: 20 }, (_, i) =>
      day(`2024-01-${String(i + 1).padStart(2, '0')}`, 0.1 * (i % 5)),
    );
    expect(findDrift(day('2024-02-01', 0.2), history, 3.5)).toEqual([]);
    expect(findDrift(day('2024-02-01', 5), history, 3.5).map((o) => [o.column, o.metric])).toEqual([
      ['x', 'mean'],
    ]);
    // y is constant in history: a change of 1e-12 is no drift, 0.01 of a null ratio neither, 0.3 is.
    expect(findDrift({ ...day('2024-02-01', 0.2, 1) }, history, 3.5)).toEqual([]);
    expect(findDrift(day('2024-02-01', 0.2, 30), history, 3.5).map((o) => o.metric)).toEqual(['nullRatio']);
    expect(findDrift(day('2024-02-01', 0.2), history.slice(0, 5), 3.5)).toEqual([]); // too little history
  });
});

describe('subscription plans', () => {
  it('plans one SIMPLIFIED subscription per endpoint: email on the mail topic, HTTP and queues on the alert topic', () => {
    const plans = planSubscriptions(
      { email: ['Ops@Example.com'], http: ['https://h.example.com/x?y=1'], queue: ['inbox'], tag: 'error' },
      { region: 'cn-hangzhou', accountId: '42' },
    );
    expect(plans).toEqual([
      expect.objectContaining({
        topic: 'mail',
        name: 'email-ops-example-com-error',
        endpoint: 'mail:directmail:Ops@Example.com',
        filterTag: 'error',
      }),
      expect.objectContaining({
        topic: 'alerts',
        name: 'http-h-example-com-x-y-1-error',
        endpoint: 'https://h.example.com/x?y=1',
      }),
      expect.objectContaining({
        topic: 'alerts',
        name: 'queue-inbox-error',
        endpoint: 'acs:mns:cn-hangzhou:42:queues/inbox',
        notifyContentFormat: 'SIMPLIFIED',
      }),
    ]);
    expect(() =>
      planSubscriptions(
        { email: [], http: [], queue: ['a', 'b'], name: 'one' },
        { region: 'r', accountId: '1' },
      ),
    ).toThrow(/--name names one subscription/);
  });
});
