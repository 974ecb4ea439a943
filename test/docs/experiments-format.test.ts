import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../core/digest.js';
import { ExperimentsInspector } from '../../core/experiments/inspector.js';

/** docs/batch-format.md §7 is what a producer copies: its example lines must pass, its code list be complete. */
const DOC = readFileSync(resolve(import.meta.dirname, '../../docs/batch-format.md'), 'utf8');
const SOURCE = readFileSync(resolve(import.meta.dirname, '../../core/experiments/inspector.ts'), 'utf8');

describe('docs/batch-format.md §7, the experiments payload', () => {
  it('has example lines that pass every rule', () => {
    const block = /```jsonl\n([\s\S]*?)```/.exec(DOC)?.[1] ?? '';
    const lines = block.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(5);
    const inspector = new ExperimentsInspector(lines.length, sha256Hex);
    lines.forEach((text, i) => {
      const record = inspector.line(text, i + 1);
      expect(record, text).toBeDefined();
      if (record !== undefined) expect(inspector.accept(record, i + 1)).toBe(true);
    });
    const report = inspector.finish();
    expect(report.blocked).toBe(false);
    expect(report.findings.map((f) => f.code)).toEqual(['EXP_METRIC_NON_FINITE']);
  });

  it('names every code the rules can give', () => {
    const codes = [...SOURCE.matchAll(/\b(EXP_[A-Z_]+)\b/g)].map((m) => m[1] as string);
    expect(codes.length).toBeGreaterThan(10);
    for (const code of new Set(codes)) expect(DOC, code).toContain(code);
  });
});
