import { type BatchRef, formatBatchKey } from '../../core/keys.js';
import type { Rejection } from './rejection.js';

/**
 * reason.json, beside a quarantined batch: which rules refused it, how often, where
 * (line, column, field, value), and what a person should do about it. docs/ingest.md describes it.
 */
export interface ReasonDocument {
  formatVersion: 1;
  batchId: string;
  kind: string;
  dataset: string;
  rejectedAt: string;
  code: string;
  summary: string;
  findings: Rejection['findings'];
  manifestProblems?: Rejection['manifestProblems'];
  payload?: Rejection['payload'];
  whatToDo: string[];
  quarantined: { manifest: string; payload: string; reason: string };
  ledger: string;
}

/** The document for a rejection of `ref`, decided at `at`. */
export function reasonDocument(ref: BatchRef, rejection: Rejection, at: Date): ReasonDocument {
  const file = ref.kind === 'experiments' ? 'data.jsonl.gz' : 'data.csv.gz';
  const doc: ReasonDocument = {
    formatVersion: 1,
    batchId: ref.batchId,
    kind: ref.kind,
    dataset: ref.dataset,
    rejectedAt: at.toISOString(),
    code: rejection.code,
    summary: rejection.summary,
    findings: rejection.findings,
    whatToDo: advice(rejection),
    quarantined: {
      manifest: formatBatchKey({ ...ref, area: 'quarantine', file: 'manifest.json' }),
      payload: formatBatchKey({ ...ref, area: 'quarantine', file }),
      reason: formatBatchKey({ ...ref, area: 'quarantine', file: 'reason.json' }),
    },
    ledger: `batches batch_id=${ref.batchId}`,
  };
  if (rejection.manifestProblems !== undefined) doc.manifestProblems = rejection.manifestProblems;
  if (rejection.payload !== undefined) doc.payload = rejection.payload;
  return doc;
}

const PUSH_AGAIN =
  'Then push again: the agent builds a new batch (a new batch id); a quarantined batch id is never reloaded.';

/** Advice per code family; the generic line covers the rest. */
const ADVICE: Array<[RegExp, string]> = [
  [
    /^MANIFEST_/,
    'The manifest does not follow format v1 (docs/batch-format.md): see manifestProblems, fix the producer.',
  ],
  [
    /^PAYLOAD_MISSING$/,
    'The payload was not in OSS when the manifest arrived: upload data.csv.gz first, the manifest last.',
  ],
  [
    /^PAYLOAD_(SIZE|CRC64|SHA256)_MISMATCH$/,
    'The payload is not the bytes the manifest describes (a replaced or corrupted upload): rebuild the batch.',
  ],
  [/^PAYLOAD_NOT_GZIP$/, 'The payload is not valid gzip (truncated or not compressed): rebuild the batch.'],
  [/^KIND_NOT_SUPPORTED$/, 'This deployment has no loader for this kind of batch yet (docs/ingest.md).'],
  [
    /^DATASET_UNKNOWN$/,
    'The dataset is not registered and UNKNOWN_DATASET=reject: register it (docs/ingest.md, "Registry") or change the setting.',
  ],
  [
    /^SCHEMA_FROZEN$/,
    "The dataset's contract is freeze: add the new columns to the registry by hand, or set its contract to evolve.",
  ],
  [
    /^COLUMN_TYPE_CHANGED$/,
    'A column cannot change between float32 and float64: keep its registered type, or use a new column name.',
  ],
  [/^DATASET_KIND_MISMATCH$/, 'The dataset name is registered for another kind of data: use another name.'],
  [
    /^DATASET_RETIRED$/,
    'The dataset is retired and takes no new batches: push to another dataset, or an admin restores it (docs/api.md, "Managing").',
  ],
  [/^POLICY_INVALID$/, "The dataset's rules JSON in the registry is invalid: fix datasets.rules."],
  [
    /^BATCH_ID_CONFLICT$/,
    'The batch id is already used by another dataset or kind: let the agent choose ids.',
  ],
  [
    /^(CSV_|VALUE_|DATE_|DUPLICATE_KEY|ROW_COUNT_MISMATCH)/,
    'Fix the rows listed under findings (line numbers count the header as line 1) in the source data.',
  ],
  [
    /^EXP_/,
    'Fix the experiment lines listed under findings (docs/batch-format.md §7); for qlib-sync push-runs, the run in the MLflow store.',
  ],
  [
    /^(NULL_RATIO|INSTRUMENT_COUNT_DRIFT|CONSTANT_FACTOR)$/,
    "A distribution rule the dataset sets to block: fix the data, or relax the rule in the dataset's rules.",
  ],
];

function advice(rejection: Rejection): string[] {
  const blocking = rejection.findings.filter((f) => f.severity === 'block').map((f) => f.code);
  return adviceFor(rejection.code, blocking);
}

/** What to do about a rejection led by `code` with these blocking codes (also the HTTP API's "fix"). */
export function adviceFor(code: string, blocking: readonly string[] = []): string[] {
  const codes = new Set([code, ...blocking]);
  const lines = ADVICE.filter(([pattern]) => [...codes].some((c) => pattern.test(c))).map(([, text]) => text);
  if (lines.length === 0) lines.push(`See the findings for ${code} and fix the source data.`);
  return [...new Set(lines), PUSH_AGAIN];
}
