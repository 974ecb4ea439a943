import { describe, expect, it } from 'vitest';
import { planCalendars } from '../../agent/pull/calendars.js';
import { encodeBin, featureFile } from '../../agent/pull/qlib-bin.js';
import { featureDirName } from '../../core/csv/instrument.js';

describe('pull: names, bytes and calendar plans', () => {
  it('names files as qlib looks for them: lower-case, reserved Windows names prefixed', () => {
    expect(featureDirName('SH600000')).toBe('sh600000');
    expect(featureDirName('CON')).toBe('_qlib_con');
    expect(featureDirName('com1')).toBe('_qlib_com1');
    expect(featureDirName('CONX')).toBe('conx');
    expect(featureFile('KMID')).toBe('kmid.day.bin');
  });

  it('encodes the start index and the values as little-endian float32, NaN kept', () => {
    const bytes = encodeBin(3, Float32Array.of(1.5, Number.NaN, -0.25));
    expect([...bytes]).toEqual([
      ...[0x00, 0x00, 0x40, 0x40],
      ...[0x00, 0x00, 0xc0, 0x3f],
      ...[0x00, 0x00, 0xc0, 0x7f],
      ...[0x00, 0x00, 0x80, 0xbe],
    ]);
  });

  it('an appended day: nothing committed changes, only the new day is fetched', () => {
    const plan = planCalendars(['d1', 'd2'], ['d1', 'd2', 'd3'], []);
    expect(plan).toMatchObject({ appendOnly: true, changedAt: null, fetch: [{ start: 'd3', end: 'd3' }] });
    expect([...plan.windowOld]).toEqual([0, 0]);
    expect([...plan.oldToNew]).toEqual([0, 1]);
  });

  it('a restated range marks its committed days and is fetched with the new days', () => {
    const plan = planCalendars(
      ['d1', 'd2', 'd3', 'd4'],
      ['d1', 'd2', 'd3', 'd4', 'd5'],
      [{ start: 'd2', end: 'd3' }],
    );
    expect([...plan.windowOld]).toEqual([0, 1, 1, 0]);
    expect(plan.fetch).toEqual([
      { start: 'd2', end: 'd3' },
      { start: 'd5', end: 'd5' },
    ]);
  });

  it('a day removed among committed days: everything from it on is affected and said', () => {
    const plan = planCalendars(['d1', 'd2', 'd3', 'd4'], ['d1', 'd2', 'd4', 'd5'], []);
    expect(plan).toMatchObject({ appendOnly: false, changedAt: 'd3', fetch: [{ start: 'd4', end: 'd5' }] });
    expect([...plan.windowOld]).toEqual([0, 0, 1, 1]);
    expect([...plan.oldToNew]).toEqual([0, 1, -1, 2]);
  });

  it('no previous snapshot (null ranges): every day is fetched', () => {
    const plan = planCalendars([], ['d1', 'd2'], null);
    expect(plan.fetch).toEqual([{ start: 'd1', end: 'd2' }]);
  });
});
