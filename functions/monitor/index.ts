import * as z from 'zod';
import { TerminalError } from '../../core/errors.js';
import { checkWith } from '../../core/schema.js';
import type { FcContext } from '../fc-context.js';
import { type MonitorReport, runMonitor } from './run.js';
import { monitorDeps, releaseMonitorDeps } from './wiring.js';

/** FC 3.0 timer event (https://help.aliyun.com/document_detail/171746.html); `{}` (a manual invocation) runs now. */
const TIMER_EVENT = z.looseObject({
  triggerTime: z.iso
    .datetime({ error: 'must be an ISO 8601 UTC time such as 2024-01-29T10:00:00Z' })
    .optional(),
  triggerName: z.string().optional(),
  payload: z.string().optional(),
});

/**
 * FC 3.0 handler of the monitor's timer trigger (s.yaml: every 10 minutes, CRON_TZ=Asia/Shanghai). The run is
 * judged as of the event's triggerTime, so an FC retry of the same event judges the same moment; the database
 * decides every change, so retries and overlapping runs send each message once. A run whose step failed throws
 * after recording itself, so FC retries it and, failing again, reports it to the failure queue.
 */
export const handler = async (event: Buffer, context: FcContext): Promise<MonitorReport> => {
  const deps = await monitorDeps(context);
  const now = scheduledTime(event);
  const report = await runMonitor(deps, now);
  deps.logger.info('monitor run', { ...report, transitions: report.transitions.length });
  if (report.status === 'failed') {
    throw new Error(
      `monitor run ${report.runId} failed: ${report.errors.map((e) => `${e.step}: ${e.message}`).join('; ')}`,
    );
  }
  return report;
};

/** FC 3.0 preStop hook (s.yaml instanceLifecycleConfig): runs before FC destroys an idle instance. */
export const preStop = async (context: Pick<FcContext, 'requestId'>): Promise<void> => {
  await releaseMonitorDeps(context.requestId);
};

function scheduledTime(event: Buffer): Date {
  const text = event.toString('utf8').trim();
  let doc: unknown = {};
  try {
    doc = text === '' ? {} : JSON.parse(text);
  } catch (cause) {
    throw new TerminalError('EVENT_NOT_JSON', 'the monitor event is not JSON', { cause });
  }
  const checked = checkWith(TIMER_EVENT, doc, 'EVENT');
  if (!checked.ok)
    throw new TerminalError('EVENT_SHAPE', 'not a timer event', { problems: checked.problems });
  return checked.value.triggerTime === undefined ? new Date() : new Date(checked.value.triggerTime);
}
