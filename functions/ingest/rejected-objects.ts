import type { AlertRecord } from '../../adapters/warehouse/alert-store.js';
import { isTerminal } from '../../core/errors.js';
import type { Finding } from '../../core/quality/findings.js';
import {
  batchObjectsOf,
  formatRejectedKeyStatus,
  type RejectedFile,
  rejectedObjectKey,
  rejectedStatusKey,
  rejectionId,
} from '../../core/rejected-keys.js';
import type { AlertBody } from './alert-plan.js';
import { publishAlerts } from './alert-publishing.js';
import type { IngestDeps } from './deps.js';

/** A batch ingest files under quarantine/_rejected/ (core/rejected-keys.ts): what, why, and what is on record. */
export interface FiledRejection {
  /** The manifest's key as the event named it. */
  manifestKey: string;
  code: 'KEY_INVALID' | 'BATCH_ID_REUSED' | 'BATCH_ID_CONFLICT';
  message: string;
  /** The key's parts as written (raw: they may be what made the key invalid). */
  batchId?: string;
  kind?: string;
  dataset?: string;
  /** What the ledger holds about it, for a person (`batches batch_id=…`, or why nothing). */
  ledger: string;
  /** Evidence for reason.json (the key's problems, both digests of a reused id). */
  evidence: Record<string, unknown>;
  whatToDo: string[];
}

export interface Filed {
  reasonKey: string;
  statusKey: string;
}

/**
 * Move the batch's objects (the manifest and the payload beside it, never a listing) to their own
 * quarantine/_rejected/<id>/ prefix with a reason.json, publish the status the producer polls, raise an `error`
 * alert, and only then delete the originals from incoming/ (the manifest last). Each rejection gets a prefix of
 * its own: nothing of another batch is ever overwritten.
 */
export async function fileRejection(deps: IngestDeps, r: FiledRejection): Promise<Filed> {
  const at = deps.now();
  const id = rejectionId(r.manifestKey, at);
  const moved: Partial<Record<RejectedFile, string>> = {};
  const originals: string[] = [];
  for (const object of batchObjectsOf(r.manifestKey)) {
    if ((await deps.store.head(object.key)) === undefined) continue;
    const target = rejectedObjectKey(id, object.file);
    await tolerateGone(deps.store.copy(target, object.key));
    moved[object.file] = target;
    originals.push(object.key);
  }
  const reasonKey = rejectedObjectKey(id, 'reason.json');
  const statusKey = rejectedStatusKey(r.manifestKey);
  const summary = `${r.code}: ${r.message}`;
  const finding: Finding = { code: r.code, severity: 'block', message: r.message, count: 1, examples: [] };
  const reason = {
    formatVersion: 1,
    key: r.manifestKey,
    ...(r.batchId === undefined ? {} : { batchId: r.batchId }),
    ...(r.kind === undefined ? {} : { kind: r.kind }),
    ...(r.dataset === undefined ? {} : { dataset: r.dataset }),
    rejectedAt: at.toISOString(),
    code: r.code,
    summary,
    findings: [finding],
    ...r.evidence,
    whatToDo: r.whatToDo,
    quarantined: { ...moved, reason: reasonKey },
    status: statusKey,
    ledger: r.ledger,
  };
  const json = { contentType: 'application/json' };
  await deps.store.put(reasonKey, `${JSON.stringify(reason, null, 2)}\n`, json);
  const dedupeKey = await recordAlert(
    deps,
    r,
    id,
    summary,
    `oss://${deps.config.ossBucket}/${reasonKey}`,
    at,
  );
  for (const key of originals.reverse()) await tolerateGone(deps.store.delete(key));
  // The status last: when the producer sees it, the rest is done.
  const status = { formatVersion: 1 as const, key: r.manifestKey, status: 'rejected' as const, code: r.code };
  const batch = r.batchId === undefined ? {} : { batchId: r.batchId };
  await deps.store.put(
    statusKey,
    formatRejectedKeyStatus({ ...status, at: at.toISOString(), summary, reasonKey, ...batch }),
    json,
  );
  if (dedupeKey !== undefined) await publishAlerts(deps, [dedupeKey]);
  return { reasonKey, statusKey };
}

/** One `error` alert per rejection (its dedupe key is the rejection's own id), in the outbox; its dedupe key. */
async function recordAlert(
  deps: IngestDeps,
  r: FiledRejection,
  id: string,
  summary: string,
  reason: string,
  at: Date,
): Promise<string | undefined> {
  const tradingDay = at.toISOString().slice(0, 10);
  const body: AlertBody = {
    severity: 'error',
    code: r.code,
    dataset: r.dataset ?? '',
    batchId: r.batchId ?? '',
    tradingDay,
    summary: `batch rejected: ${summary}`,
    where: { reason, ledger: r.ledger },
  };
  const record: AlertRecord = {
    dedupeKey: `${r.code}|${id}`,
    code: r.code,
    severity: 'error',
    dataset: r.dataset === undefined ? null : r.dataset.slice(0, 48),
    tradingDay,
    batchId: r.batchId === undefined ? null : r.batchId.slice(0, 128),
    summary: body.summary,
    body: JSON.stringify(body),
  };
  try {
    await deps.alertStore.record(deps.pool, record);
    return record.dedupeKey;
  } catch (error) {
    deps.logger.error('could not record the alert of a filed rejection', { error, key: r.manifestKey });
    return undefined;
  }
}

/** Another delivery may have moved the object already. */
async function tolerateGone(work: Promise<unknown>): Promise<void> {
  try {
    await work;
  } catch (error) {
    if (!(isTerminal(error) && error.code === 'OSS_NOT_FOUND')) throw error;
  }
}
