import type { Logger } from '../../core/logger.js';

/** A pull's progress: instruments placed of all, and bytes received so far. */
export interface PullProgress {
  update(done: number, total: number, receivedBytes: number): void;
  done(): void;
}

export const SILENT_PULL: PullProgress = { update() {}, done() {} };

/** On a terminal: one line redrawn at most 10 times a second. */
export function ttyPullProgress(dataset: string, write: (text: string) => void): PullProgress {
  let last = 0;
  let shown = false;
  return {
    update: (done, total, bytes) => {
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      const share = total > 0 ? done / total : 1;
      const filled = Math.round(share * 20);
      write(
        `\r\x1b[2Kpulling ${dataset}: ${done}/${total} instruments [${'#'.repeat(filled)}${'-'.repeat(20 - filled)}] ${(bytes / 1048576).toFixed(1)} MiB received`,
      );
      shown = true;
    },
    done: () => {
      if (shown) write('\r\x1b[2K');
      shown = false;
    },
  };
}

/** Off a terminal: a JSON line through the logger at most every `everyMs`, and one at the end. */
export function logPullProgress(logger: Logger, everyMs = 5000): PullProgress {
  let last = 0;
  return {
    update: (done, total, receivedBytes) => {
      const now = Date.now();
      if (now - last < everyMs && done < total) return;
      last = now;
      logger.info('pulling', { instruments: done, of: total, receivedBytes });
    },
    done: () => {},
  };
}
