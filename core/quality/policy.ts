import * as z from 'zod';
import { TerminalError } from '../errors.js';
import { readJsonDocument } from '../json-document.js';
import { checkWith } from '../schema.js';

/** What a finding does: `block` rejects the batch, `warn` loads it and alerts, `off` skips the rule. */
export type Severity = 'block' | 'warn' | 'off';

/**
 * Per-dataset quality thresholds (the `rules` column of the dataset registry, JSON). Anything not given
 * takes the default below. Row-level contract violations (bad dates, numbers, duplicates, rows outside the
 * manifest's range) always block: they are not thresholds, they are the contract.
 */
export interface QualityPolicy {
  /** ±Inf: rejected, or stored as NULL with a warning. */
  inf: 'reject' | 'null';
  /** Share of NULLs in one column over the whole batch. qlib's rolling windows are NaN while warming up. */
  nullRatio: { severity: Severity; max: number };
  /** Relative change of the instrument count from one trading day to the next. */
  instrumentDrift: { severity: Severity; tolerance: number };
  /** A factor with one value for every instrument of a date (a dead factor or a broken join). */
  constantFactor: { severity: Severity; minInstruments: number };
  /** Dates missing from the loaded trading calendar. */
  offCalendar: Severity;
}

export const DEFAULT_POLICY: QualityPolicy = {
  inf: 'reject',
  nullRatio: { severity: 'warn', max: 0.5 },
  instrumentDrift: { severity: 'warn', tolerance: 0.2 },
  constantFactor: { severity: 'warn', minInstruments: 20 },
  offCalendar: 'block',
};

const severity = z.enum(['block', 'warn', 'off'], { error: 'must be block, warn or off' });
const ratio = z.number().min(0, 'must be within [0, 1]').max(1, 'must be within [0, 1]');

/** A dataset's rules as stored: every part optional, each over the default (core/schema.ts checkWith). */
export const PolicyRulesSchema = z.strictObject({
  inf: z.enum(['reject', 'null'], { error: 'must be reject or null' }).optional(),
  nullRatio: z.strictObject({ severity: severity.optional(), max: ratio.optional() }).optional(),
  instrumentDrift: z.strictObject({ severity: severity.optional(), tolerance: ratio.optional() }).optional(),
  constantFactor: z
    .strictObject({
      severity: severity.optional(),
      minInstruments: z.number().min(2, 'must be >= 2').optional(),
    })
    .optional(),
  offCalendar: severity.optional(),
});

/** Parse a dataset's rules JSON over the defaults; every problem reported at once (code POLICY_INVALID). */
export function parsePolicy(
  json: string | null | undefined,
  base: QualityPolicy = DEFAULT_POLICY,
): QualityPolicy {
  if (json === null || json === undefined || json.trim() === '') return base;
  const doc = readJsonDocument(json, 'POLICY');
  if (!doc.ok) throw new TerminalError('POLICY_INVALID', 'dataset rules are not JSON');
  const checked = checkWith(PolicyRulesSchema, doc.value, 'POLICY', { kinds: { RANGE: 'VALUE' } });
  const problems = [...doc.problems, ...(checked.ok ? [] : checked.problems)];
  if (problems.length > 0 || !checked.ok) {
    throw new TerminalError(
      'POLICY_INVALID',
      `dataset rules are invalid: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`,
      { problems },
    );
  }
  const rules = checked.value;
  return {
    inf: rules.inf ?? base.inf,
    nullRatio: { ...base.nullRatio, ...defined(rules.nullRatio) },
    instrumentDrift: { ...base.instrumentDrift, ...defined(rules.instrumentDrift) },
    constantFactor: { ...base.constantFactor, ...defined(rules.constantFactor) },
    offCalendar: rules.offCalendar ?? base.offCalendar,
  };
}

/** The fields of a rules part that were given (an absent field keeps the default). */
function defined<T extends object>(part: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(part ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}
