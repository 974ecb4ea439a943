import { TerminalError } from '../../core/errors.js';
import type { Example, Finding } from '../../core/quality/findings.js';

/** The quality rules blocked a batch before anything was uploaded. */
export class BatchBlockedError extends TerminalError {
  override readonly name = 'BatchBlockedError';

  constructor(
    readonly dataset: string,
    readonly findings: Finding[],
  ) {
    const blocking = findings.filter((f) => f.severity === 'block');
    super(
      'BATCH_BLOCKED',
      `${dataset}: the batch breaks the quality rules; nothing was uploaded\n${formatFindings(blocking)}`,
      {
        problems: blocking.map((f) => ({ code: f.code, message: `${f.count}× ${f.message}` })),
      },
    );
  }
}

/** Findings as a person reads them: code, count, what it means, the first examples. */
export function formatFindings(findings: readonly Finding[], examples = 3): string {
  return findings
    .map((f) => {
      const head = `  ${f.code} (${f.severity}, ${f.count}×): ${f.message}`;
      const shown = f.examples.slice(0, examples).map((e) => `      e.g. ${formatExample(e)}`);
      return [head, ...shown].join('\n');
    })
    .join('\n');
}

function formatExample(e: Example): string {
  const parts: string[] = [];
  if (e.line !== undefined) parts.push(`line ${e.line}`);
  if (e.date !== undefined) parts.push(e.date);
  if (e.instrument !== undefined && e.instrument !== '') parts.push(e.instrument);
  if (e.field !== undefined) parts.push(`column ${e.field}`);
  if (e.value !== undefined) parts.push(`value ${JSON.stringify(e.value)}`);
  if (e.detail !== undefined) parts.push(`(${e.detail})`);
  return parts.join(' ');
}
