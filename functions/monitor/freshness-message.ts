import type { BatchBrief, LoadedBatch } from '../../adapters/warehouse/monitor-facts.js';
import { functionLogsLink, ossFolderLink, ossUrl } from '../../core/console-links.js';
import type { IncidentFinding } from '../../core/incident-message.js';
import { incidentKey, type Verdict } from '../../core/incidents.js';
import { formatBatchKey } from '../../core/keys.js';
import type { Sla } from '../../core/sla.js';
import { localTime } from '../../core/zoned-time.js';

/** What a freshness message says about one dataset and trading day. */
export interface FreshnessFacts {
  sla: Sla;
  calendar: string;
  day: string;
  batch: LoadedBatch | undefined;
  lastLoaded: string | null;
  unloaded: BatchBrief | undefined;
  bucket: string;
  region: string;
  ingestFunction: string;
}

/**
 * The finding for one trading day: `ERROR cn_daily 2024-01-29 not loaded by 20:00 (last loaded 2024-01-26;
 * batch …-ab12 quarantined: DUPLICATE_KEY)` with what to look at and the commands that fix it, or, once a batch
 * covers the day, what loaded it.
 */
export function freshnessFinding(f: FreshnessFacts, verdict: Verdict): IncidentFinding {
  const { sla, day } = f;
  const base = {
    check: 'freshness' as const,
    subject: sla.dataset,
    key: incidentKey('freshness', sla.dataset, day),
    verdict,
    dataset: sla.dataset,
    tradingDay: day,
  };
  if (verdict === 'ok' && f.batch !== undefined) {
    const at = new Date(`${f.batch.finishedAt.replace(' ', 'T')}Z`);
    return {
      ...base,
      batchId: f.batch.batchId,
      code: 'LOADED',
      headline: `${sla.dataset} ${day} loaded at ${localTime(at, sla.timeZone)} by batch ${f.batch.batchId}`,
      what: [`batch ${f.batch.batchId} (${f.batch.start}..${f.batch.end}) loaded at ${at.toISOString()}`],
      where: { ledger: `batches batch_id=${f.batch.batchId}` },
      todo: [],
    };
  }
  const by = verdict === 'error' ? sla.errorAfter : sla.warnAfter;
  const context = [`last loaded ${f.lastLoaded ?? 'never'}`];
  if (f.unloaded !== undefined) context.push(`batch ${f.unloaded.batchId} ${describe(f.unloaded)}`);
  const where: Record<string, string> = {
    ledger: `SELECT batch_id, status, error_code, date_start, date_end FROM batches WHERE dataset = '${sla.dataset}' ORDER BY first_seen_at DESC LIMIT 5`,
    incoming: ossFolderLink({ region: f.region, bucket: f.bucket }, `incoming/factors/${sla.dataset}/`),
    logs: functionLogsLink(f.region, f.ingestFunction),
  };
  const todo = [
    `on the research server: qlib-sync status (is the batch for ${day} built, uploaded, rejected?)`,
    `push it: qlib-sync push <qlib dir> --dataset ${sla.dataset} … (or qlib-sync push --since-last)`,
  ];
  if (f.unloaded?.status === 'rejected') {
    const reason = formatBatchKey({
      kind: 'factors',
      dataset: sla.dataset,
      batchId: f.unloaded.batchId,
      area: 'quarantine',
      file: 'reason.json',
    });
    where.reason = ossUrl(f.bucket, reason);
    todo.unshift(`read why batch ${f.unloaded.batchId} was rejected: ossutil cat ${where.reason}`);
  } else if (f.unloaded !== undefined) {
    todo.push(
      `batch ${f.unloaded.batchId} is ${f.unloaded.status}: the monitor re-drives it; by hand: npm run redrive -- --batch ${f.unloaded.batchId}`,
    );
  }
  todo.push(
    `no data is expected on ${day}? npm run sla -- set ${sla.dataset} --off (or fix the calendar ${f.calendar})`,
  );
  return {
    ...base,
    code: 'NOT_LOADED',
    headline: `${sla.dataset} ${day} not loaded by ${by} (${context.join('; ')})`,
    what: [
      `${day} is a trading day of calendar ${f.calendar}; ${sla.dataset} was due at ${sla.due}, a warning at ${sla.warnAfter} and an error at ${sla.errorAfter} (${sla.timeZone})`,
      `no loaded batch of ${sla.dataset} covers ${day}; the last day loaded is ${f.lastLoaded ?? 'none'}`,
      ...(f.unloaded === undefined
        ? []
        : [`the latest batch that did not load: ${f.unloaded.batchId} ${describe(f.unloaded)}`]),
    ],
    where,
    todo,
  };
}

function describe(b: BatchBrief): string {
  const state = b.status === 'rejected' ? 'quarantined' : b.status;
  return b.errorCode === null ? state : `${state}: ${b.errorCode}`;
}
