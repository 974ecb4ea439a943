import type { Problem } from '../errors.js';

/** One located example of a finding: enough for a person to open the source and fix it. */
export interface Example {
  line?: number;
  column?: number;
  field?: string;
  date?: string;
  instrument?: string;
  value?: string;
  detail?: string;
}

/** A rule's verdict over the batch: its code, what it does, how often, the first examples. */
export interface Finding {
  code: string;
  severity: 'block' | 'warn';
  message: string;
  count: number;
  examples: Example[];
}

export const MAX_EXAMPLES = 10;

/** Collects findings by code, counting every occurrence and keeping the first examples. */
export class FindingLog {
  private readonly byCode = new Map<string, Finding>();

  add(code: string, severity: 'block' | 'warn', message: string, example?: Example): void {
    let finding = this.byCode.get(code);
    if (finding === undefined) {
      finding = { code, severity, message, count: 0, examples: [] };
      this.byCode.set(code, finding);
    }
    finding.count += 1;
    if (example !== undefined && finding.examples.length < MAX_EXAMPLES) finding.examples.push(example);
  }

  /** A located problem from the row codec (always blocking: the payload breaks the contract). */
  addProblem(p: Problem & { field?: string }): void {
    const example: Example = {};
    if (p.line !== undefined) example.line = p.line;
    if (p.column !== undefined) example.column = p.column;
    if (p.field !== undefined) example.field = p.field;
    if (p.value !== undefined) example.value = p.value;
    example.detail = p.message;
    const message = describeProblem(p);
    this.add(p.code, 'block', message, example);
    const finding = this.byCode.get(p.code) as Finding;
    // One finding per code: when its examples disagree (a float32 and a float64 column), say so.
    if (finding.message !== message) finding.message = describe(p.code);
  }

  /** True once any blocking finding was recorded. */
  blocked(): boolean {
    for (const finding of this.byCode.values()) if (finding.severity === 'block') return true;
    return false;
  }

  list(): Finding[] {
    return [...this.byCode.values()].sort(
      (a, b) => severityRank(a) - severityRank(b) || a.code.localeCompare(b.code),
    );
  }
}

function severityRank(f: Finding): number {
  return f.severity === 'block' ? 0 : 1;
}

const DESCRIPTIONS: Record<string, string> = {
  CSV_BOM: 'the payload starts with a byte-order mark',
  CSV_EMPTY: 'the payload has no header',
  CSV_HEADER: 'the header does not match the manifest columns',
  CSV_QUOTED_HEADER: 'the header is quoted',
  CSV_CRLF: 'lines end with CRLF; the format uses LF',
  CSV_LINE_TOO_LONG: 'a line is longer than the limit',
  CSV_RAGGED: 'rows with the wrong number of fields',
  CSV_QUOTE: 'quoted fields (the format has no quoting)',
  CSV_BAD_DATE: 'dates that are not YYYY-MM-DD calendar dates',
  CSV_BAD_INSTRUMENT: 'invalid instrument codes',
  CSV_BAD_NUMBER: 'values that are not numbers',
  CSV_EMPTY_FIELD: 'empty fields (write \\N for NULL)',
  CSV_CONTROL_CHAR: 'control characters in a line',
  VALUE_INFINITE: 'infinite values, which this dataset rejects',
  VALUE_OUT_OF_RANGE:
    "values outside their column type's range (float32 ±3.4028235e38, float64 ±1.7976931348623157e308)",
};

/** A one-line description of a codec problem code. */
export function describe(code: string): string {
  return DESCRIPTIONS[code] ?? code;
}

/** The description of one problem: VALUE_OUT_OF_RANGE names the type of the column it happened in. */
function describeProblem(p: Problem): string {
  if (p.code !== 'VALUE_OUT_OF_RANGE') return describe(p.code);
  if (/\bfloat64\b/.test(p.message)) return 'values outside the float64 range (±1.7976931348623157e308)';
  if (/\bfloat32\b/.test(p.message)) return 'values outside the float32 range (±3.4028235e38)';
  return describe(p.code);
}
