import type { BuiltPayload } from '../build/batch-builder.js';
import type { AgentContext } from '../context.js';
import { sinceLastStart } from '../since-last.js';
import { lowerBound } from '../sources/index-ranges.js';
import { openProviderSource } from '../sources/provider-source.js';
import { checkProviderDir, readCalendar } from '../sources/qlib-dir.js';
import type { FactorSource } from '../sources/source.js';
import { nextDay, type SourceRequest, selectionOf } from '../sources/source-request.js';
import { buildInBatches, finishAll, type PushOutcome } from '../split/push-split.js';
import { discardAll } from '../split/split-build.js';
import { calendarDigest } from './digests.js';
import { type HistoryReport, historyReport, lateSent } from './late-report.js';
import { restatementCommand } from './restatement.js';
import { latestSentState, type SentState, saveSentState } from './sent-state.js';
import { SentTracker } from './tracker.js';

interface Pass {
  source: FactorSource;
  tracker: SentTracker;
  /** One payload, or one per window of a long range (agent/split): the source is read once either way. */
  built: BuiltPayload[];
}

/**
 * A qlib directory's batch, followed against the record of what was sent (sent-state.ts). With
 * --since-last it starts after the last date pushed and, when values or rows appeared for dates already
 * sent within lateDays (a .bin that grew for a date in the calendar), from the first such date: the batch
 * restates those dates whole, as ingest expects (docs/ingest.md, "Restatements"). History rewritten under
 * dates already sent, and late values older than lateDays, are reported with the push that sends them; the
 * record of a rewritten instrument stays as it was, so the report repeats until that push is made.
 */
export async function pushProvider(ctx: AgentContext, request: SourceRequest): Promise<PushOutcome> {
  checkProviderDir(request.path);
  const calendar = readCalendar(request.path);
  const record = latestSentState(ctx.journal, request.dataset);
  const fit = fitOf(record, request, calendar);
  let start = request.sinceLast ? await startOf(ctx, request, record) : request.start;
  let pass = await buildPass(ctx, request, fit.state, start);
  const { late, rewritten } = pass.tracker.findings();
  const auto = new Map<number, string[]>();
  const old: string[] = [];
  if (request.sinceLast && fit.state !== undefined) {
    const window = fit.state.throughIndex - ctx.settings.lateDays + 1;
    for (const [index, symbols] of late) {
      if (index >= window) auto.set(index, symbols);
      else old.push(calendar[index] as string);
    }
  }
  if (auto.size > 0) {
    discardAll(pass.built);
    start = calendar[Math.min(...auto.keys())];
    pass = await buildPass(ctx, request, fit.state, start);
  }
  // A push over all the record holds (the restatement a report names) sends what it would report.
  const covers =
    record !== undefined &&
    (start === undefined || start <= record.firstDate) &&
    (request.end === undefined || request.end >= record.through);
  const history = covers ? undefined : reportOf(ctx, request, fit, rewritten, old.sort());
  // A calendar rewritten under the record keeps it until a push covers all it sent.
  const keep = fit.calendarChanged === true && !covers;
  const result = await finishAll(ctx, pass.source, pass.built, (batchId) => {
    if (!keep) saveSentState(ctx.journal, pass.tracker.nextState(batchId, calendarDigest));
  });
  return {
    ...result,
    ...(auto.size > 0 ? { late: lateSent(auto, calendar) } : {}),
    ...(history === undefined ? {} : { history }),
  };
}

async function buildPass(
  ctx: AgentContext,
  request: SourceRequest,
  state: SentState | undefined,
  start: string | undefined,
): Promise<Pass> {
  const source = openProviderSource({
    root: request.path,
    dataset: request.dataset,
    fields: request.fields as string[],
    selection: selectionOf(request),
    ...(request.includeUnlisted ? { includeUnlisted: true } : {}),
    ...(start === undefined ? {} : { start }),
    ...(request.end === undefined ? {} : { end: request.end }),
    track: ({ calendar, first, last }) =>
      new SentTracker(
        {
          dataset: request.dataset,
          root: request.path,
          fields: request.fields as string[],
          selection: selectionOf(request),
          calendar,
          first,
          last,
        },
        state,
      ),
  });
  const built = await buildInBatches(ctx, source);
  return { source, tracker: source.tracker as SentTracker, built };
}

/** --since-last: after the last date pushed (the journal's, or the record's if later), else sinceLastStart. */
async function startOf(
  ctx: AgentContext,
  request: SourceRequest,
  record: SentState | undefined,
): Promise<string | undefined> {
  const last = ctx.journal.lastEnd('factors', request.dataset);
  const through = [last, record?.through]
    .filter((d): d is string => d !== undefined)
    .sort()
    .at(-1);
  return through === undefined ? sinceLastStart(ctx, request, 'factors') : nextDay(through);
}

interface Fit {
  /** The record, when it describes what this request reads. */
  state: SentState | undefined;
  /** Why a record there is does not fit. */
  reason?: string;
  calendarChanged?: boolean;
}

/** The record fits when it is of the same directory, fields and instruments, and the calendar under it held. */
function fitOf(record: SentState | undefined, request: SourceRequest, calendar: readonly string[]): Fit {
  if (record === undefined) return { state: undefined };
  const fields = (request.fields as string[]).join(',');
  if (record.root !== request.path) return { state: undefined, reason: `its record is of ${record.root}` };
  if (record.fields.join(',') !== fields)
    return {
      state: undefined,
      reason: `its record has the fields ${record.fields.join(',')}, this push ${fields}`,
    };
  if (JSON.stringify(record.selection) !== JSON.stringify(selectionOf(request)))
    return { state: undefined, reason: `its record has the instruments ${JSON.stringify(record.selection)}` };
  const index = lowerBound(calendar, record.through);
  if (calendar[index] !== record.through || calendarDigest(calendar, index) !== record.calendarDigest)
    return {
      state: undefined,
      reason: `calendars/day.txt changed before ${record.through}`,
      calendarChanged: true,
    };
  return { state: record };
}

function reportOf(
  ctx: AgentContext,
  request: SourceRequest,
  fit: Fit,
  rewritten: Parameters<typeof historyReport>[0],
  old: string[],
): HistoryReport | undefined {
  let report: HistoryReport | undefined;
  const record = fit.state;
  if (record !== undefined && (rewritten.length > 0 || old.length > 0)) {
    // Rewritten history: all the record holds (where it changed cannot be told); late values: their dates.
    const range =
      rewritten.length > 0
        ? { start: record.firstDate, end: record.through }
        : { start: old[0] as string, end: old.at(-1) as string };
    report = historyReport(rewritten, old, range, restatementCommand(request, range));
  } else if (fit.reason !== undefined) {
    report = {
      code: fit.calendarChanged ? 'HISTORY_REWRITTEN' : 'HISTORY_NOT_CHECKED',
      message: `late values and rewritten history of ${request.dataset} were not checked this time: ${fit.reason}${fit.calendarChanged ? '; every date already sent may have moved, push them again with the same selection over the whole range' : ''}`,
    };
  }
  if (report !== undefined) ctx.logger.warn(report.message, { code: report.code, dataset: request.dataset });
  return report;
}
