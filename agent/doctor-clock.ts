import type { PipelineError } from '../core/errors.js';
import type { Check } from './doctor-checks.js';
import { EXIT } from './exit-codes.js';

/** OSS refuses requests whose time is more than 15 minutes off (RequestTimeTooSkewed). */
const MAX_SKEW_MS = 15 * 60_000;
const WARN_SKEW_MS = 60_000;

const CLOCK_FIX =
  'synchronise the clock and keep it so: enable NTP (chrony or systemd-timesyncd: `timedatectl set-ntp true`)';

/** The skew against OSS's Date header: over 15 minutes OSS refuses every request, over 1 a warning. */
export function clockCheck(skewMs: number): Check {
  const detail = `local clock is ${skewText(skewMs)} OSS`;
  if (Math.abs(skewMs) > MAX_SKEW_MS) {
    const over = `${detail}; OSS refuses requests over 15 min off`;
    return { name: 'clock', status: 'fail', detail: over, fix: CLOCK_FIX, exit: EXIT.config };
  }
  if (Math.abs(skewMs) > WARN_SKEW_MS) return { name: 'clock', status: 'warn', detail, fix: CLOCK_FIX };
  return { name: 'clock', status: 'ok', detail };
}

/**
 * OSS refused the listing for the clock (RequestTimeTooSkewed): the bucket is not tested, the clock fails,
 * with the skew measured against the server time the error carries when it could be read.
 */
export function refusedForClock(error: PipelineError, now: () => Date): Check[] {
  const bucket: Check = {
    name: 'bucket',
    status: 'skip',
    detail: 'not checked: OSS refuses every request while the clock is off (see clock)',
  };
  const iso = error.details.serverTime;
  const refused = 'OSS refused the request (RequestTimeTooSkewed)';
  const detail =
    typeof iso === 'string'
      ? `local clock is ${skewText(now().getTime() - new Date(iso).getTime())} OSS (OSS says ${iso}); ${refused}`
      : `local clock is more than 15 min off; ${refused}`;
  return [bucket, { name: 'clock', status: 'fail', detail, fix: CLOCK_FIX, exit: EXIT.config }];
}

function skewText(skewMs: number): string {
  const abs = Math.abs(skewMs);
  const minutes = abs >= 120_000 ? ` (${Math.round(abs / 60_000)} min)` : '';
  return `${Math.round(abs / 1000)} s${minutes} ${skewMs >= 0 ? 'ahead of' : 'behind'}`;
}
