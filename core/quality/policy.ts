import { DocReader } from '../doc-reader.js';
import { TerminalError } from '../errors.js';

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

const SEVERITIES: readonly string[] = ['block', 'warn', 'off'];
const isSeverity = { test: (s: string) => SEVERITIES.includes(s), message: 'must be block, warn or off' };

/** Parse a dataset's rules JSON over the defaults; every problem reported at once (code POLICY_INVALID). */
export function parsePolicy(
  json: string | null | undefined,
  base: QualityPolicy = DEFAULT_POLICY,
): QualityPolicy {
  if (json === null || json === undefined || json.trim() === '') return base;
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (cause) {
    throw new TerminalError('POLICY_INVALID', 'dataset rules are not JSON', { cause });
  }
  const r = new DocReader('POLICY');
  const top = r.object(doc, '$', ['inf', 'nullRatio', 'instrumentDrift', 'constantFactor', 'offCalendar']);
  const out = structuredClone(base);
  if (top?.inf !== undefined) {
    out.inf = r.string(top, 'inf', '$', {
      test: (s) => s === 'reject' || s === 'null',
      message: 'must be reject or null',
    }) as 'reject' | 'null';
  }
  if (top?.offCalendar !== undefined)
    out.offCalendar = r.string(top, 'offCalendar', '$', isSeverity) as Severity;
  const ratio = { test: (n: number) => n >= 0 && n <= 1, message: 'must be within [0, 1]' };
  readPart(r, top, 'nullRatio', out.nullRatio, 'max', ratio);
  readPart(r, top, 'instrumentDrift', out.instrumentDrift, 'tolerance', ratio);
  readPart(r, top, 'constantFactor', out.constantFactor, 'minInstruments', {
    test: (n) => n >= 2,
    message: 'must be >= 2',
  });
  if (r.problems.length > 0) {
    throw new TerminalError(
      'POLICY_INVALID',
      `dataset rules are invalid: ${r.problems.map((p) => `${p.path} ${p.message}`).join('; ')}`,
      {
        problems: r.problems,
      },
    );
  }
  return out;
}

function readPart<K extends string>(
  r: DocReader,
  top: Record<string, unknown> | undefined,
  name: string,
  target: { severity: Severity } & Record<K, number>,
  numberKey: K,
  rule: { test: (n: number) => boolean; message: string },
): void {
  if (top?.[name] === undefined) return;
  const part = r.object(top[name], `$.${name}`, ['severity', numberKey]);
  if (part?.severity !== undefined) {
    const severity = r.string(part, 'severity', `$.${name}`, isSeverity);
    if (severity !== undefined) target.severity = severity as Severity;
  }
  if (part?.[numberKey] !== undefined) {
    const n = typeof part[numberKey] === 'number' ? (part[numberKey] as number) : Number.NaN;
    if (rule.test(n)) (target as Record<K, number>)[numberKey] = n;
    else r.add(`$.${name}.${numberKey}`, 'VALUE', rule.message, part[numberKey]);
  }
}
