import { createHash } from 'node:crypto';
import * as z from 'zod';
import { functionLogsLink } from '../../core/console-links.js';
import type { IncidentFinding } from '../../core/incident-message.js';
import { incidentKey } from '../../core/incidents.js';
import { parseKey } from '../../core/keys.js';
import { parseOssEvent } from '../../core/oss-event.js';
import { checkWith } from '../../core/schema.js';
import { RUN_LIMITS } from './deps.js';
import type { RunContext } from './run-context.js';

/** FC's destination record (https://help.aliyun.com/document_detail/422720.htm); unknown fields pass. */
const DESTINATION_RECORD = z.looseObject({
  timestamp: z.number(),
  requestContext: z.looseObject({
    requestId: z.string(),
    functionArn: z.string(),
    condition: z.string(),
    approximateInvokeCount: z.number(),
  }),
  requestPayload: z.string(),
  responseContext: z.looseObject({ statusCode: z.number(), functionError: z.string() }).optional(),
});

type DestinationRecord = z.output<typeof DESTINATION_RECORD>;

/**
 * FC's onFailure records (an async invocation that failed after its retries: s.yaml sends them to FAILURE_QUEUE)
 * become incidents in the same format and tags as every other alert: one per batch (or per request when the event
 * names no batch), resolved once the batch settles. Each message is deleted after its incident is recorded; one
 * that cannot be read becomes an incident too, with its text.
 */
export async function drainFailures(run: RunContext): Promise<void> {
  const { failures } = run.deps;
  const messages = await failures.receive(RUN_LIMITS.failureMessages);
  for (const message of messages) {
    const finding = failureFinding(run, message.body);
    await run.evaluate(
      {
        check: 'fc_failure',
        subject: finding.subject,
        dataset: finding.dataset,
        outcome: 'error',
        figures: finding.figures ?? {},
      },
      finding,
    );
    await failures.delete(message.receiptHandle);
  }
}

export function failureFinding(run: RunContext, body: string): IncidentFinding {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  const checked = checkWith(DESTINATION_RECORD, parsed, 'FC_FAILURE');
  if (!checked.ok) return unreadable(body);
  const record = checked.value;
  const fn = record.requestContext.functionArn.split('/').pop() ?? record.requestContext.functionArn;
  const batch = batchOf(record);
  const subject = batch?.batchId ?? record.requestContext.requestId;
  const error = (record.responseContext?.functionError ?? '').slice(0, 300);
  const attempts = record.requestContext.approximateInvokeCount;
  const what =
    batch === undefined
      ? `its event (request ${record.requestContext.requestId})`
      : `${batch.dataset} batch ${batch.batchId}`;
  const todo =
    batch === undefined
      ? [
          "read the error in the function's log (where.logs) and fix the cause; the event is in figures.requestPayload",
        ]
      : [
          'nothing, if it was a passing fault: the monitor re-drives the batch once its lease has expired (REDRIVE_AFTER_MINUTES)',
          `re-drive it now: npm run redrive -- --batch ${batch.batchId}`,
          "if it keeps failing, read the error in the function's log (where.logs)",
        ];
  return {
    check: 'fc_failure',
    subject: fn,
    key: incidentKey('fc_failure', fn, subject),
    verdict: 'error',
    ...(batch === undefined ? {} : { dataset: batch.dataset, batchId: batch.batchId }),
    code: record.requestContext.condition,
    headline: `${fn} gave up on ${what} after ${attempts} attempt(s): ${record.requestContext.condition}${error ? ` ${error}` : ''}`,
    what: [
      `FC ran ${fn} ${attempts} time(s) for ${what} and every attempt failed (${record.requestContext.condition})`,
      ...(error ? [error] : []),
    ],
    where: {
      logs: functionLogsLink(run.deps.region, fn),
      request: record.requestContext.requestId,
      ...(batch === undefined
        ? {}
        : { ledger: `SELECT * FROM batch_events WHERE batch_id = '${batch.batchId}' ORDER BY id` }),
    },
    todo,
    figures: {
      functionArn: record.requestContext.functionArn,
      requestId: record.requestContext.requestId,
      attempts,
      requestPayload: record.requestPayload.slice(0, 2000),
    },
  };
}

/** The batch an ingest event was about (the first record whose key is a batch key). */
function batchOf(record: DestinationRecord): { batchId: string; dataset: string } | undefined {
  try {
    for (const r of parseOssEvent(record.requestPayload).events) {
      const k = parseKey(r.oss.object.key);
      if (k.type === 'batch') return { batchId: k.batchId, dataset: k.dataset };
    }
  } catch {
    return undefined;
  }
  return undefined;
}

function unreadable(body: string): IncidentFinding {
  const digest = createHash('sha256').update(body).digest('hex').slice(0, 16);
  return {
    check: 'fc_failure',
    subject: 'unknown',
    key: incidentKey('fc_failure', 'unknown', digest),
    verdict: 'error',
    code: 'FC_FAILURE_UNREADABLE',
    headline: `a failure record the monitor cannot read arrived on the failure queue (${body.length} bytes)`,
    what: [body.slice(0, 500)],
    where: {},
    todo: [
      'look at the text above: something else writes to FAILURE_QUEUE, or FC changed its destination format',
    ],
    figures: { text: body.slice(0, 2000) },
  };
}
