import type { Logger } from '../core/logger.js';

/** What a long step reports; the CLI shows it as a redrawn line on a TTY, JSON lines otherwise. */
export interface ProgressReporter {
  build(dataset: string, rows: number, csvBytes: number, fraction: number | undefined): void;
  upload(batchId: string, sentBytes: number, totalBytes: number): void;
  /** Clear the line (TTY) before other output. */
  done(): void;
}

export const SILENT_PROGRESS: ProgressReporter = { build() {}, upload() {}, done() {} };

interface Clock {
  now: () => number;
}

/** A progress line redrawn in place at most 10 times a second: rows, bytes, a bar with the share done, ETA. */
export function ttyProgress(
  write: (text: string) => void,
  clock: Clock = { now: Date.now },
): ProgressReporter {
  let last = Number.NEGATIVE_INFINITY;
  let started = 0;
  let phase = '';
  let shown = false;
  const draw = (key: string, text: string, fraction: number | undefined, force: boolean) => {
    const t = clock.now();
    if (phase !== key) {
      phase = key;
      started = t;
    }
    if (!force && t - last < 100) return;
    last = t;
    const eta =
      fraction !== undefined && fraction > 0.01
        ? ` ETA ${seconds(((t - started) * (1 - fraction)) / fraction)}`
        : '';
    const pct = fraction === undefined ? '' : ` ${bar(fraction)} ${Math.floor(fraction * 100)}%`;
    write(`\r\x1b[2K${text}${pct}${eta}`);
    shown = true;
  };
  return {
    build: (dataset, rows, bytes, fraction) =>
      draw(
        `build ${dataset}`,
        `building ${dataset}: ${rows.toLocaleString('en')} rows, ${mib(bytes)} CSV`,
        fraction,
        false,
      ),
    upload: (batchId, sent, total) =>
      draw(
        `upload ${batchId}`,
        `uploading ${batchId}: ${mib(sent)} of ${mib(total)}`,
        total > 0 ? sent / total : 1,
        sent === total,
      ),
    done: () => {
      if (shown) write('\r\x1b[2K');
      shown = false;
      phase = '';
    },
  };
}

/** Progress as JSON lines through the logger, at most one every `everyMs`. */
export function logProgress(
  logger: Logger,
  everyMs = 5000,
  clock: Clock = { now: Date.now },
): ProgressReporter {
  let last = Number.NEGATIVE_INFINITY;
  const due = (force: boolean) => {
    const t = clock.now();
    if (!force && t - last < everyMs) return false;
    last = t;
    return true;
  };
  return {
    build: (dataset, rows, csvBytes, fraction) => {
      if (due(false)) logger.info('building', { dataset, rows, csvBytes, fraction });
    },
    upload: (batchId, sentBytes, totalBytes) => {
      if (due(sentBytes === totalBytes)) logger.info('uploading', { batchId, sentBytes, totalBytes });
    },
    done: () => {
      last = Number.NEGATIVE_INFINITY;
    },
  };
}

const BAR_WIDTH = 20;

/** `[#####---------------]`: the share done, in ASCII so any terminal and log viewer shows it. */
function bar(fraction: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

function seconds(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}
