import type { AlertRecord } from '../../adapters/warehouse/alert-store.js';
import type { LedgerRow } from '../../adapters/warehouse/ledger.js';
import { parseBatchId } from '../../core/batch-id.js';
import type { Finding } from '../../core/quality/findings.js';
import type { ManifestRef } from './deps.js';

/**
 * Which alerts an outcome raises (pure): a rejected batch one `error` alert, a loaded batch one `warn` alert
 * per warning rule. Deduplicated per (code, dataset, trading day): the trading day is the batch's last date,
 * or the day its id was made when the manifest was unreadable.
 */
export interface AlertBody {
  severity: 'warn' | 'error';
  code: string;
  dataset: string;
  batchId: string;
  tradingDay: string;
  summary: string;
  where: { reason?: string; ledger: string };
}

export function tradingDayOf(batchId: string, dateEnd: string | null | undefined): string {
  if (dateEnd) return dateEnd;
  return parseBatchId(batchId).createdAt.toISOString().slice(0, 10);
}

export function dedupeKey(code: string, dataset: string, tradingDay: string): string {
  return `${code}|${dataset}|${tradingDay}`;
}

export function rejectionAlert(
  ref: ManifestRef,
  dateEnd: string | undefined,
  rejection: { code: string; summary: string },
  reasonKey: string,
): AlertRecord {
  const reason = `oss://${ref.bucket}/${reasonKey}`;
  return record(ref, dateEnd, 'error', rejection.code, `batch rejected: ${rejection.summary}`, reason);
}

export function warningAlerts(
  ref: ManifestRef,
  dateEnd: string | undefined,
  findings: Finding[],
): AlertRecord[] {
  return findings
    .filter((f) => f.severity === 'warn')
    .map((f) =>
      record(ref, dateEnd, 'warn', f.code, `batch loaded with a warning: ${f.message} (${f.count}×)`),
    );
}

/** The dedupe keys an already settled batch raised (to finish publishing them after a crash). */
export function alertKeysOf(row: LedgerRow): string[] {
  const day = tradingDayOf(row.batchId, row.dateEnd);
  if (row.status === 'rejected' && row.errorCode !== null)
    return [dedupeKey(row.errorCode, row.dataset, day)];
  if (row.status === 'loaded') return row.warnings.map((code) => dedupeKey(code, row.dataset, day));
  return [];
}

function record(
  ref: ManifestRef,
  dateEnd: string | undefined,
  severity: 'warn' | 'error',
  code: string,
  summary: string,
  reason?: string,
): AlertRecord {
  const tradingDay = tradingDayOf(ref.batchId, dateEnd);
  const body: AlertBody = {
    severity,
    code,
    dataset: ref.dataset,
    batchId: ref.batchId,
    tradingDay,
    summary,
    where: { ...(reason === undefined ? {} : { reason }), ledger: `batches batch_id=${ref.batchId}` },
  };
  return {
    dedupeKey: dedupeKey(code, ref.dataset, tradingDay),
    code,
    severity,
    dataset: ref.dataset,
    tradingDay,
    batchId: ref.batchId,
    summary,
    body: JSON.stringify(body),
  };
}
