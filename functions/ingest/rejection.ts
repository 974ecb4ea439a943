import type { PayloadDigest } from '../../core/digest.js';
import type { Problem, TerminalError } from '../../core/errors.js';
import type { Example, Finding } from '../../core/quality/findings.js';

/** What the payload checks saw, for reason.json. */
export interface PayloadEvidence {
  key: string;
  expected: PayloadDigest;
  /** What OSS reported (head) or what streaming recomputed. */
  actual: Partial<PayloadDigest> & { exists?: boolean };
}

/** Why a batch is refused: the primary code, one line, and all the evidence (reason.json). */
export interface Rejection {
  code: string;
  summary: string;
  findings: Finding[];
  manifestProblems?: Problem[];
  payload?: PayloadEvidence;
}

/** A rejection by one contract rule (no row-level findings). */
export function rejectWith(code: string, message: string, extra: Partial<Rejection> = {}): Rejection {
  const finding: Finding = { code, severity: 'block', message, count: 1, examples: [] };
  return { code, summary: `${code}: ${message}`, findings: [finding], ...extra };
}

/**
 * A rejection by the quality rules, every finding kept. The lead is `leadCode` when given (a cap that stopped
 * the reading), else the blocking finding seen first in the payload (by line): a bad row leads, the batch-level
 * consequences (ROW_COUNT_MISMATCH) follow it.
 */
export function rejectFindings(findings: Finding[], leadCode?: string): Rejection {
  const blocking = findings
    .filter((f) => f.severity === 'block')
    .sort((a, b) => Number(b.code === leadCode) - Number(a.code === leadCode) || firstLine(a) - firstLine(b));
  const lead = blocking[0] ?? findings[0];
  if (lead === undefined) throw new Error('rejectFindings needs at least one finding');
  const others = blocking.slice(1).map((f) => f.code);
  const also = others.length > 0 ? `; also ${others.join(', ')}` : '';
  return {
    code: lead.code,
    summary: `${lead.code}: ${lead.message} (${lead.count}×${where(lead.examples[0])})${also}`,
    findings,
  };
}

/** An unreadable manifest: every problem parseManifest found, with its JSON path. */
export function rejectManifest(error: TerminalError): Rejection {
  const problems =
    error.problems.length > 0 ? error.problems : [{ code: error.code, message: error.message }];
  const first = problems[0] as Problem;
  const more = problems.length > 1 ? ` (+${problems.length - 1} more)` : '';
  return {
    code: error.code,
    summary: `${error.code}: ${first.path ? `${first.path} ` : ''}${first.message}${more}`,
    findings: [
      { code: error.code, severity: 'block', message: error.message, count: problems.length, examples: [] },
    ],
    manifestProblems: problems,
  };
}

function firstLine(f: Finding): number {
  return f.examples[0]?.line ?? Number.MAX_SAFE_INTEGER;
}

function where(example: Example | undefined): string {
  if (example === undefined) return '';
  if (example.line !== undefined)
    return `, first at line ${example.line}${example.field ? ` ${example.field}` : ''}`;
  if (example.date !== undefined)
    return `, first on ${example.date}${example.field ? ` ${example.field}` : ''}`;
  if (example.field !== undefined) return `, first in ${example.field}`;
  return '';
}
