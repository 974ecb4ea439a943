/**
 * The fields of the functions' log lines (core/logger.ts: one JSON object per line on stdout) as SLS indexes
 * them. FC writes each stdout line into the logstore's `message` field, beside its own functionName, qualifier,
 * versionId and requestId (https://help.aliyun.com/zh/sls/function-compute-3-0-log-field-details); a JSON
 * index on `message` makes every field below searchable and, for long fields, aggregatable
 * (`* | SELECT "message.rows" …`). deploy/sls-index.json is rendered from this table (`npm run policies`
 * rewrites it too) and test/deploy/log-fields.test.ts checks real ingest lines against it: a new field, or a
 * field logged with another type, fails until it is declared here.
 */

export type SlsType = 'text' | 'long' | 'double' | 'json';

export const LOG_FIELDS: Readonly<Record<string, { type: SlsType; meaning: string }>> = {
  time: { type: 'text', meaning: 'ISO-8601 UTC time the line was written' },
  level: { type: 'text', meaning: 'debug | info | warn | error' },
  msg: { type: 'text', meaning: 'what happened, a fixed sentence per event (search on it)' },
  fn: { type: 'text', meaning: 'the function: ingest | monitor | api | alert-relay' },
  requestId: {
    type: 'text',
    meaning: 'FC request id (context.requestId): the same as FC’s own requestId field',
  },
  batchId: { type: 'text', meaning: 'the batch being processed' },
  dataset: { type: 'text', meaning: 'its dataset' },
  kind: { type: 'text', meaning: 'factors | calendar | experiments' },
  attempt: { type: 'long', meaning: 'which claim of the batch this is (1 = first)' },
  attempts: { type: 'long', meaning: 'publish attempts of an alert' },
  owner: { type: 'text', meaning: 'the lease owner <requestId>/<nonce>' },
  mode: { type: 'text', meaning: 'load path: load-data | insert' },
  rows: { type: 'long', meaning: 'rows loaded / read' },
  lines: { type: 'long', meaning: 'data lines read from a payload, rejected rows included' },
  bytes: { type: 'long', meaning: 'payload bytes' },
  registered: { type: 'text', meaning: 'true when the batch registered its dataset' },
  added: { type: 'json', meaning: 'factor columns the batch added' },
  warnings: { type: 'json', meaning: 'warning rule codes of a loaded batch' },
  restated: { type: 'json', meaning: 'predecessor batches a restatement replaced, with their row counts' },
  duplicateOf: { type: 'text', meaning: 'the batch whose content this one repeats' },
  rejected: { type: 'text', meaning: 'rejection code while reading the payload' },
  code: {
    type: 'text',
    meaning: 'the outcome’s error or rule code (e.g. DUPLICATE_KEY, BATCH_TOO_LARGE_FOR_BINLOG)',
  },
  summary: { type: 'text', meaning: 'one-line summary of the outcome' },
  reasonKey: { type: 'text', meaning: 'quarantine/…/reason.json of a rejected batch' },
  alert: { type: 'text', meaning: 'outbox key of an alert message: <incident key>#<revision>[/mail]' },
  messageId: { type: 'text', meaning: 'MNS message id of a published alert' },
  channel: { type: 'text', meaning: 'where an alert message went: topic (JSON) | mail (DirectMail text)' },
  key: { type: 'text', meaning: 'an OSS object key (ignored or failed event records)' },
  reason: { type: 'text', meaning: 'why an event record was ignored' },
  status: { type: 'text', meaning: 'ledger status of a batch settled earlier' },
  error: { type: 'json', meaning: '{name, code, message, cause} of an error' },
  // The monitor (functions/monitor): one `monitor run` line per run, one per incident change and re-drive.
  runId: { type: 'long', meaning: 'monitor run id (monitor_runs)' },
  scheduledAt: { type: 'text', meaning: 'the time a monitor run judges (the timer’s triggerTime)' },
  checks: { type: 'long', meaning: 'checks a monitor run evaluated' },
  outcomes: { type: 'json', meaning: 'a monitor run’s check outcomes, counted by outcome' },
  transitions: { type: 'long', meaning: 'incident changes a monitor run made' },
  redriven: { type: 'long', meaning: 'batches a monitor run re-drove' },
  published: { type: 'long', meaning: 'alert messages a run published' },
  errors: { type: 'json', meaning: 'the steps of a monitor run that failed, with their messages' },
  incident: { type: 'text', meaning: 'incident key (kind:subject)' },
  transition: { type: 'text', meaning: 'opened | escalated | resolved …' },
  severity: { type: 'text', meaning: 'error | warn | info' },
  step: { type: 'text', meaning: 'the monitor step that failed' },
  invocation: { type: 'text', meaning: 'FC request id of the ingest invocation a re-drive started' },
  // The API (functions/api): one `request` line per request.
  method: { type: 'text', meaning: 'HTTP method' },
  path: { type: 'text', meaning: 'request path (no query string)' },
  httpStatus: { type: 'long', meaning: 'HTTP status answered' },
  ms: { type: 'long', meaning: 'milliseconds the request took' },
  problem: { type: 'text', meaning: 'why an event is not an HTTP trigger event' },
  actor: { type: 'text', meaning: 'name of the token that made an admin change' },
  settings: { type: 'json', meaning: 'the dataset settings an admin change touched' },
  // The alert relay (functions/alert-relay).
  robot: { type: 'text', meaning: 'dingtalk | wecom | feishu' },
  secret: { type: 'text', meaning: 'the KMS secret the database password was read from (never its value)' },
  user: { type: 'text', meaning: 'the database user the password belongs to' },
};

/** The SLS index of a function logstore (the body of SLS CreateIndex/UpdateIndex, or the console's JSON view). */
export function renderSlsIndex(): object {
  const jsonKeys = Object.fromEntries(
    Object.entries(LOG_FIELDS).map(([name, { type }]) => [name, { type, doc_value: type !== 'json' }]),
  );
  const text = { type: 'text', caseSensitive: false, chn: false, token: TOKENS, doc_value: true };
  return {
    line: { caseSensitive: false, chn: false, token: TOKENS },
    keys: {
      message: {
        type: 'json',
        caseSensitive: false,
        chn: false,
        token: TOKENS,
        index_all: true,
        max_depth: 3,
        json_keys: jsonKeys,
      },
      functionName: text,
      qualifier: text,
      requestId: text,
    },
  };
}

/** SLS's default token separators. */
const TOKENS = [
  ',',
  ' ',
  "'",
  '"',
  ';',
  '=',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '?',
  '@',
  '&',
  '<',
  '>',
  '/',
  ':',
  '\n',
  '\t',
  '\r',
];
