import { functionLogsLink, ossFolderLink } from '../../core/console-links.js';
import type { IncidentFinding } from '../../core/incident-message.js';
import { incidentKey } from '../../core/incidents.js';
import type { MonitorDeps } from './deps.js';
import type { RedriveCandidate } from './redrive.js';

/** Where to look at a batch that will not load: its objects, ingest's logs, its ledger history. */
function where(deps: MonitorDeps, c: RedriveCandidate): Record<string, string> {
  return {
    incoming: ossFolderLink({ region: deps.region, bucket: deps.config.ossBucket }, c.manifestKey),
    logs: functionLogsLink(deps.region, deps.config.ingestFunction),
    ledger: `SELECT * FROM batch_events WHERE batch_id = '${c.batchId}' ORDER BY id`,
    redrives: `SELECT * FROM redrives WHERE batch_id = '${c.batchId}'`,
  };
}

function state(c: RedriveCandidate): string {
  if (c.ledger === undefined)
    return 'its manifest is in incoming/ but the ledger never saw it (a lost OSS event)';
  const error =
    c.ledger.errorCode === null ? '' : `; last error ${c.ledger.errorCode}: ${c.ledger.errorDetail ?? ''}`;
  return `it is ${c.ledger.status} after ${c.ledger.attempts} attempt(s)${error}`.slice(0, 400);
}

/** A batch re-driven REDRIVE_MAX_ATTEMPTS times (or that cannot be re-driven) and still not loaded. */
export function gaveUpFinding(
  deps: MonitorDeps,
  c: RedriveCandidate,
  redrives: number,
  why?: string,
): IncidentFinding {
  const reason = why ?? `re-driven ${redrives} time(s), ${state(c)}`;
  return {
    check: 'batch_stuck',
    subject: c.dataset,
    key: incidentKey('batch_stuck', c.dataset, c.batchId),
    verdict: 'error',
    dataset: c.dataset,
    batchId: c.batchId,
    code: c.ledger?.errorCode ?? 'NOT_LOADED',
    headline: `${c.dataset} batch ${c.batchId} will not load: ${reason}`,
    what: [state(c), `the monitor stopped re-driving it after ${redrives} attempt(s) (REDRIVE_MAX_ATTEMPTS)`],
    where: where(deps, c),
    todo: [
      "read the error in ingest's log (where.logs) and in the ledger (where.ledger); fix the cause",
      `then re-drive it by hand: npm run redrive -- --batch ${c.batchId}`,
      'or push the data again (a new batch id): qlib-sync push …',
    ],
  };
}

/** FC did not accept a re-drive (no such function, no permission, FC unreachable). */
export function redriveFailedFinding(deps: MonitorDeps, c: RedriveCandidate, error: string): IncidentFinding {
  return {
    check: 'redrive_failed',
    subject: c.dataset,
    key: incidentKey('redrive_failed', c.dataset, c.batchId),
    verdict: 'error',
    dataset: c.dataset,
    batchId: c.batchId,
    code: 'REDRIVE_FAILED',
    headline: `${c.dataset} batch ${c.batchId} could not be re-driven: ${error}`.slice(0, 300),
    what: [state(c), `InvokeFunction ${deps.config.ingestFunction} failed: ${error}`],
    where: where(deps, c),
    todo: [
      `check the monitor's role may fc:InvokeFunction on ${deps.config.ingestFunction}, and INGEST_FUNCTION / FUNCTION_ENDPOINT`,
      `re-drive it by hand: npm run redrive -- --batch ${c.batchId}`,
    ],
  };
}
