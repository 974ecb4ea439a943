import { describe, expect, it } from 'vitest';
import { TransientError } from '../../core/errors.js';
import { createLogger } from '../../core/logger.js';

describe('logger', () => {
  const now = () => new Date('2026-11-26T18:00:00.000Z');

  it('writes one JSON object per line with child context, above the level', () => {
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l), now, level: 'info', context: { fn: 'ingest' } });
    log.debug('hidden');
    const child = log.child({ batchId: 'b1' });
    child.info('claimed', { attempt: 2 });
    child.child({ step: 'load' }).warn('slow');
    expect(lines.every((l) => l.endsWith('\n'))).toBe(true);
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      {
        time: '2026-11-26T18:00:00.000Z',
        level: 'info',
        msg: 'claimed',
        fn: 'ingest',
        batchId: 'b1',
        attempt: 2,
      },
      {
        time: '2026-11-26T18:00:00.000Z',
        level: 'warn',
        msg: 'slow',
        fn: 'ingest',
        batchId: 'b1',
        step: 'load',
      },
    ]);
  });

  it('keeps error name, code, message and cause', () => {
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l), now });
    const error = new TransientError('MYSQL_CONNECTION', 'connection lost', {
      cause: new Error('ECONNRESET'),
    });
    log.error('load failed', { error });
    expect(JSON.parse(lines[0] as string).error).toEqual({
      name: 'TransientError',
      message: 'connection lost',
      code: 'MYSQL_CONNECTION',
      cause: { name: 'Error', message: 'ECONNRESET' },
    });
  });
});
