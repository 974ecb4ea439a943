import { describe, expect, it } from 'vitest';
import { logProgress, ttyProgress } from '../../agent/progress.js';
import { withRetry } from '../../agent/retry.js';
import { TerminalError, TransientError } from '../../core/errors.js';
import { createLogger } from '../../core/logger.js';

describe('withRetry', () => {
  const hooks = (delays: number[]) => ({
    sleep: async (ms: number) => {
      delays.push(ms);
    },
    random: () => 0.5,
  });

  it('retries transient errors with doubling, jittered delays, then gives up saying how often', async () => {
    const delays: number[] = [];
    let calls = 0;
    const failing = () => {
      calls += 1;
      return Promise.reject(new TransientError('OSS_UNAVAILABLE', 'connect ECONNREFUSED\nmore detail'));
    };
    const error = await withRetry(failing, { attempts: 4, baseMs: 100 }, hooks(delays)).catch(
      (e: unknown) => e,
    );
    expect(calls).toBe(4);
    expect(delays).toEqual([75, 150, 300]);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).message).toBe('gave up after 4 attempts: connect ECONNREFUSED');
    expect((error as TransientError).cause).toBeInstanceOf(TransientError);
  });

  it('returns as soon as an attempt succeeds, and caps the delay', async () => {
    const delays: number[] = [];
    let calls = 0;
    const flaky = async () => {
      calls += 1;
      if (calls < 3) throw new TransientError('OSS_UNAVAILABLE', 'reset');
      return 'ok';
    };
    expect(await withRetry(flaky, { attempts: 5, baseMs: 1000, maxMs: 1000 }, hooks(delays))).toBe('ok');
    expect(delays).toEqual([750, 750]);
  });

  it('never retries terminal errors or bugs', async () => {
    for (const error of [new TerminalError('OSS_AUTH', 'denied'), new TypeError('x is undefined')]) {
      let calls = 0;
      const fn = () => {
        calls += 1;
        return Promise.reject(error);
      };
      await expect(withRetry(fn, { attempts: 5, baseMs: 1 }, hooks([]))).rejects.toBe(error);
      expect(calls).toBe(1);
    }
  });
});

describe('progress', () => {
  it('redraws one line in place on a TTY, with percentage and ETA, and clears it', () => {
    let now = 0;
    let screen = '';
    const progress = ttyProgress(
      (t) => {
        screen += t;
      },
      { now: () => now },
    );
    progress.build('alpha', 0, 0, 0);
    now = 50;
    progress.build('alpha', 10, 1000, 0.05); // throttled: under 100 ms since the last draw
    now = 2000;
    progress.build('alpha', 5000, 3 * 1048576, 0.5);
    progress.done();
    const frames = screen.split('\r\x1b[2K');
    expect(frames).toEqual([
      '',
      'building alpha: 0 rows, 0.0 MiB CSV [--------------------] 0%',
      'building alpha: 5,000 rows, 3.0 MiB CSV [##########----------] 50% ETA 2s',
      '',
    ]);
  });

  it('logs JSON lines at most every interval when not on a TTY', () => {
    let now = 0;
    const lines: string[] = [];
    const logger = createLogger({ write: (l) => lines.push(l), now: () => new Date(0) });
    const progress = logProgress(logger, 5000, { now: () => now });
    progress.upload('b1', 0, 100);
    now = 1000;
    progress.upload('b1', 50, 100);
    now = 2000;
    progress.upload('b1', 100, 100);
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ msg: 'uploading', sentBytes: 0 }),
      expect.objectContaining({ msg: 'uploading', sentBytes: 100 }),
    ]);
  });
});
