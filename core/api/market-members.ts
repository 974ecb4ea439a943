import * as z from 'zod';
import { isValidInstrument } from '../csv/instrument.js';
import { checkWith } from '../schema.js';
import { apiProblem, dateParam, type ParamsResult } from './params.js';

/**
 * PUT /v1/markets/{market} (admin): a market's members as qlib's instruments/<market>.txt lists them — an
 * instrument, the first and the last day of a membership (one line each, tab-separated; the JSON form
 * `{"members":[{"instrument","start","end"}]}` says the same).
 */
export interface MarketMember {
  instrument: string;
  start: string;
  end: string;
}

const Member = z
  .strictObject({
    instrument: z.string().refine(isValidInstrument, 'is not an instrument code'),
    start: dateParam,
    end: dateParam,
  })
  .refine((m) => m.start <= m.end, { path: ['end'], message: 'is before start' });

const Body = z.strictObject({
  members: z.array(Member).min(1, 'lists no member').max(100_000, 'lists more than 100000 memberships'),
  note: z.string().max(255).optional(),
});

/** The JSON body, checked; every problem at once. */
export function readMarketJson(body: unknown): ParamsResult<{ members: MarketMember[]; note?: string }> {
  const checked = checkWith(Body, body, 'BODY');
  if (!checked.ok) return { ok: false, problems: checked.problems.map(apiProblem) };
  return { ok: true, value: checked.value };
}

/** qlib's instruments file text (`SH600000\t2008-01-02\t2020-12-31` per line), as the JSON body would say it. */
export function marketTextAsJson(text: string): unknown {
  const members = text
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [instrument, start, end] = line.trim().split(/\s+/);
      return { instrument, start, end };
    });
  return { members };
}
