import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  formatProblems,
  isTerminal,
  isTransient,
  TerminalError,
  TransientError,
} from '../../core/errors.js';

describe('errors', () => {
  it('classifies the two families; anything else is neither', () => {
    const terminal = new TerminalError('CSV_BOM', 'bom');
    const transient = new TransientError('OSS_5XX', 'busy');
    expect([isTerminal(terminal), isTransient(terminal)]).toEqual([true, false]);
    expect([isTerminal(transient), isTransient(transient)]).toEqual([false, true]);
    expect([isTerminal(new Error('bug')), isTransient(new Error('bug'))]).toEqual([false, false]);
    expect(new ConfigError([])).toBeInstanceOf(TerminalError);
  });

  it('keeps code, cause and name', () => {
    const cause = new Error('root');
    const e = new TransientError('MYSQL_DEADLOCK', 'deadlock', { cause });
    expect([e.name, e.code, e.cause, e.kind]).toEqual([
      'TransientError',
      'MYSQL_DEADLOCK',
      cause,
      'transient',
    ]);
  });

  it('formats problems with their location', () => {
    const text = formatProblems('bad batch', [
      { code: 'CSV_RAGGED', message: 'expected 3 fields, got 2', line: 4, column: 3 },
      { code: 'MANIFEST_REQUIRED', message: 'is required', path: '$.rowCount' },
    ]);
    expect(text).toBe(
      'bad batch (2 problems):\n  - line 4, column 3: expected 3 fields, got 2 [CSV_RAGGED]\n  - $.rowCount: is required [MANIFEST_REQUIRED]',
    );
  });
});
