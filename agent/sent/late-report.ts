import type { Rewritten } from './tracker.js';

const EXAMPLES = 10;

/** Dates already sent that a push sent again: values or rows for them appeared after they were sent. */
export interface LateSent {
  dates: string[];
  /** How many instruments had late values or rows; `examples` names the first. */
  instruments: number;
  examples: string[];
}

/**
 * What a push could not settle on its own and a person must: history that changed under dates already sent
 * (dump_fix, a re-download), late values for dates older than lateDays, a record that does not fit the
 * request (other fields, instruments or directory), and the push that sends it (a restatement).
 */
export interface HistoryReport {
  code: 'HISTORY_REWRITTEN' | 'LATE_VALUES_OLD' | 'HISTORY_NOT_CHECKED';
  message: string;
  rewritten?: { count: number; examples: Rewritten[] };
  /** The restatement that sends it: the same selection over the dates concerned. */
  command?: string;
}

/** The instruments of a late-date map, sorted. */
export function lateSent(
  late: ReadonlyMap<number, readonly string[]>,
  calendar: readonly string[],
): LateSent {
  const instruments = new Set<string>();
  for (const symbols of late.values()) for (const s of symbols) instruments.add(s);
  const names = [...instruments].sort();
  return {
    dates: [...late.keys()].sort((a, b) => a - b).map((i) => calendar[i] as string),
    instruments: names.length,
    examples: names.slice(0, EXAMPLES),
  };
}

/** The report of rewritten history (and older late values), with the restatement command. */
export function historyReport(
  rewritten: readonly Rewritten[],
  oldLate: readonly string[],
  range: { start: string; end: string },
  command: string,
): HistoryReport {
  const parts: string[] = [];
  if (rewritten.length > 0) {
    const names = rewritten.slice(0, 5).map((r) => `${r.instrument}: ${r.why}`);
    parts.push(
      `the history of ${rewritten.length} instrument(s) changed under dates already sent (a dump_fix or a re-download rewrote their feature files; e.g. ${names.join('; ')})`,
    );
  }
  if (oldLate.length > 0) {
    parts.push(
      `values or rows appeared later for ${oldLate.length} date(s) already sent, older than lateDays (${oldLate[0]}..${oldLate.at(-1)})`,
    );
  }
  const report: HistoryReport = {
    code: rewritten.length > 0 ? 'HISTORY_REWRITTEN' : 'LATE_VALUES_OLD',
    message: `${parts.join('; and ')}. They were not sent. To send ${range.start}..${range.end} again (a restatement: ingest replaces those dates and keeps the rows it replaces in the history table): ${command}`,
    command,
  };
  if (rewritten.length > 0)
    report.rewritten = { count: rewritten.length, examples: rewritten.slice(0, EXAMPLES) };
  return report;
}
