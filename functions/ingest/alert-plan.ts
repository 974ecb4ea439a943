import type { AlertRecord } from '../../adapters/warehouse/alert-store.js';
import { factorTableName } from '../../adapters/warehouse/registry.js';
import { parseBatchId } from '../../core/batch-id.js';
import { functionLogsLink, ossFolderLink, ossUrl } from '../../core/console-links.js';
import { incidentKey } from '../../core/incidents.js';
import { formatStatusKey } from '../../core/keys.js';
import type { Finding } from '../../core/quality/findings.js';
import type { ManifestRef } from './deps.js';

/**
 * Which findings an outcome raises (pure), each an incident (docs/monitor.md): every rejected batch its own
 * `error` incident (keyed by the batch: ten bad batches on one day are ten messages), a loaded batch one `warn`
 * incident per warning rule and trading day. The trading day is the batch's last date, or the day its id was
 * made when the manifest was unreadable.
 */
export interface LinkSettings {
  region?: string;
  /** the ingest function's name, for the log link */
  functionName?: string;
}

export function tradingDayOf(batchId: string, dateEnd: string | null | undefined): string {
  if (dateEnd) return dateEnd;
  return parseBatchId(batchId).createdAt.toISOString().slice(0, 10);
}

/** The incident of one rejected batch: what was wrong, the reason.json to read, the push that fixes it. */
export function rejectionAlert(
  ref: ManifestRef,
  dateEnd: string | undefined,
  rejection: { code: string; summary: string },
  reasonKey: string,
  links: LinkSettings = {},
): AlertRecord {
  const tradingDay = tradingDayOf(ref.batchId, dateEnd);
  const where: Record<string, string> = {
    reason: ossUrl(ref.bucket, reasonKey),
    status: ossUrl(ref.bucket, formatStatusKey(ref)),
    ledger: `batches batch_id=${ref.batchId}`,
  };
  if (links.region !== undefined) {
    where.console = ossFolderLink({ region: links.region, bucket: ref.bucket }, reasonKey);
    where.logs = functionLogsLink(links.region, links.functionName ?? 'qlib-ingest');
  }
  return {
    check: 'batch_rejected',
    subject: ref.dataset,
    key: incidentKey('batch_rejected', ref.dataset, ref.batchId),
    verdict: 'error',
    dataset: ref.dataset,
    tradingDay,
    batchId: ref.batchId,
    code: rejection.code,
    headline: `${ref.dataset} ${tradingDay} batch ${ref.batchId} quarantined: ${rejection.summary}`,
    what: [
      `ingest rejected ${ref.kind} batch ${ref.batchId}; nothing of it was loaded, the rows in MySQL are unchanged`,
      rejection.summary,
    ],
    where,
    todo: [
      `read the reason: ossutil cat ${where.reason}`,
      `fix the source, then push again (a new batch id): qlib-sync push … --dataset ${ref.dataset}`,
      `history of the batch: SELECT * FROM batch_events WHERE batch_id = '${ref.batchId}'`,
    ],
  };
}

/** One incident per warning rule of a loaded batch, per trading day. */
export function warningAlerts(
  ref: ManifestRef,
  dateEnd: string | undefined,
  findings: Finding[],
  links: LinkSettings = {},
): AlertRecord[] {
  const tradingDay = tradingDayOf(ref.batchId, dateEnd);
  return findings
    .filter((f) => f.severity === 'warn')
    .map((f) => {
      const example = f.examples[0];
      const at = example?.field ?? example?.date ?? example?.detail;
      const where: Record<string, string> = {
        status: ossUrl(ref.bucket, formatStatusKey(ref)),
        ledger: `batches batch_id=${ref.batchId}`,
      };
      if (links.region !== undefined)
        where.logs = functionLogsLink(links.region, links.functionName ?? 'qlib-ingest');
      return {
        check: 'load_warning',
        subject: ref.dataset,
        key: incidentKey('load_warning', ref.dataset, `${tradingDay}/${f.code}`),
        verdict: 'warn',
        dataset: ref.dataset,
        tradingDay,
        batchId: ref.batchId,
        code: f.code,
        headline: `${ref.dataset} ${tradingDay} loaded with a warning: ${f.code} ${f.message} (${f.count}×${at ? `, ${at}` : ''})`,
        what: [
          `batch ${ref.batchId} loaded with ${f.code}: ${f.message}`,
          ...f.examples.slice(0, 3).map((e) => JSON.stringify(e)),
        ],
        where,
        todo: [
          `look at the rows: SELECT * FROM ${factorTableName(ref.dataset)} WHERE trade_date = '${tradingDay}' LIMIT 20`,
          `if the values are wrong, fix the source and push the day again (a restatement replaces it): qlib-sync push … --dataset ${ref.dataset}`,
          `thresholds: datasets.rules of ${ref.dataset} (docs/ingest.md, Quality rules)`,
        ],
      } satisfies AlertRecord;
    });
}
