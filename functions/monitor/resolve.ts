import { type OpenIncident, openIncidents } from '../../adapters/warehouse/incident-queries.js';
import { batchBriefs, loadedAfter, loadedCovering } from '../../adapters/warehouse/monitor-facts.js';
import type { IncidentFinding } from '../../core/incident-message.js';
import type { CheckName } from '../../core/incidents.js';
import type { RunContext } from './run-context.js';

const SETTLED = ['loaded', 'rejected', 'duplicate'];

/**
 * Incidents raised by events (a rejected batch, a load warning, a stuck batch, a failed re-drive, an FC failure)
 * resolve when what they are about is over: a later batch loaded the rejected batch's day; the latest load of the
 * day no longer carries the warning; the batch settled.
 */
export async function resolveEvents(run: RunContext): Promise<void> {
  const { pool } = run.deps;
  const open = await openIncidents(pool, [
    'batch_rejected',
    'load_warning',
    'batch_stuck',
    'redrive_failed',
    'fc_failure',
  ]);
  const batches = await batchBriefs(
    pool,
    open.flatMap((i) => (i.batchId === null ? [] : [i.batchId])),
  );
  for (const incident of open) {
    const headline = await resolution(run, incident, batches);
    if (headline === undefined) continue;
    await run.evaluate(
      {
        check: incident.check,
        subject: incident.subject,
        dataset: incident.dataset ?? undefined,
        tradingDay: incident.tradingDay ?? undefined,
        outcome: 'ok',
      },
      resolvedFinding(incident, headline),
    );
  }
}

async function resolution(
  run: RunContext,
  i: OpenIncident,
  batches: Map<string, { status: string }>,
): Promise<string | undefined> {
  const { pool } = run.deps;
  if (i.check === 'batch_rejected' && i.dataset !== null && i.batchId !== null && i.tradingDay !== null) {
    const fix = await loadedAfter(pool, i.dataset, i.batchId, i.tradingDay);
    return fix === undefined
      ? undefined
      : `${i.dataset} ${i.tradingDay} loaded by batch ${fix.batchId} after batch ${i.batchId} was quarantined`;
  }
  if (i.check === 'load_warning' && i.dataset !== null && i.tradingDay !== null && i.code !== null) {
    const [latest] = await loadedCovering(pool, i.dataset, i.tradingDay, i.tradingDay);
    if (latest === undefined || latest.warnings.includes(i.code)) return undefined;
    return `${i.dataset} ${i.tradingDay} reloaded by batch ${latest.batchId} without ${i.code}`;
  }
  if (i.batchId !== null) {
    const status = batches.get(i.batchId)?.status;
    if (status !== undefined && SETTLED.includes(status))
      return `${i.dataset ?? ''} batch ${i.batchId} is ${status} now`.trim();
  }
  return undefined;
}

/** The finding that closes an open incident: same identity, verdict ok, a headline saying what ended it. */
export function resolvedFinding(i: OpenIncident, headline: string): IncidentFinding {
  const f: IncidentFinding = {
    check: i.check as CheckName,
    subject: i.subject,
    key: i.key,
    verdict: 'ok',
    headline,
    what: [headline],
    where: i.detail?.where ?? {},
    todo: [],
  };
  if (i.dataset !== null) f.dataset = i.dataset;
  if (i.tradingDay !== null) f.tradingDay = i.tradingDay;
  if (i.batchId !== null) f.batchId = i.batchId;
  if (i.code !== null) f.code = i.code;
  return f;
}
