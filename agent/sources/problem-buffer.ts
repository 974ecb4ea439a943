import type { SourceProblem } from './source.js';

const KEEP_PER_CODE = 10;

/**
 * Problems found while an export file is read up front, replayed to the quality rules later. The first
 * examples of each code are kept whole; the rest only counted, so a file where every row is bad still
 * reports an exact count without holding a million objects.
 */
export class ProblemBuffer {
  private readonly kept: SourceProblem[] = [];
  private readonly perCode = new Map<string, { kept: number; extra: number; sample: SourceProblem }>();

  add(problem: SourceProblem): void {
    const entry = this.perCode.get(problem.code);
    if (entry === undefined) {
      this.perCode.set(problem.code, { kept: 1, extra: 0, sample: problem });
      this.kept.push(problem);
    } else if (entry.kept < KEEP_PER_CODE) {
      entry.kept += 1;
      this.kept.push(problem);
    } else {
      entry.extra += 1;
    }
  }

  replay(report: (problem: SourceProblem) => void): void {
    for (const problem of this.kept) report(problem);
    for (const { extra, sample } of this.perCode.values()) {
      for (let i = 0; i < extra; i++) report(sample);
    }
  }
}
