import { TerminalError } from '../errors.js';
import type { CsvLayout } from './types.js';

/** Field names of a layout's header, in order. */
export function layoutFieldNames(layout: CsvLayout): string[] {
  if (layout.kind === 'calendar') return ['datetime'];
  return ['datetime', 'instrument', ...layout.columns.map((c) => c.name)];
}

/** The header line of a layout, without its `\n`. */
export function csvHeader(layout: CsvLayout): string {
  return layoutFieldNames(layout).join(',');
}

/**
 * Throws TerminalError CSV_LAYOUT when a layout cannot be written without quoting: a column name that is
 * empty, holds `,` `"` `\` or a control character, repeats, or reuses `datetime`/`instrument`, or a
 * column type other than float32/float64. The manifest validator should catch these first; the codec
 * refuses them anyway because a wrong header would silently shift every value.
 */
export function assertLayout(layout: CsvLayout): void {
  if (layout.kind === 'calendar') return;
  const seen = new Set<string>(['datetime', 'instrument']);
  layout.columns.forEach((column, i) => {
    const problem = columnProblem(column.name, column.type, seen);
    if (problem !== undefined) {
      throw new TerminalError('CSV_LAYOUT', `column ${i + 1} (${JSON.stringify(column.name)}): ${problem}`);
    }
    seen.add(column.name);
  });
}

function columnProblem(name: string, type: string, seen: Set<string>): string | undefined {
  if (type !== 'float32' && type !== 'float64') return `unknown type ${JSON.stringify(type)}`;
  if (name.length === 0) return 'empty name';
  if (seen.has(name)) return 'duplicate name';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what we refuse
  if (/[,"\\\u0000-\u001f\u007f]/.test(name))
    return 'name needs quoting (`,` `"` `\\` or a control character)';
  return undefined;
}
