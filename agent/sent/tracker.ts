import type { DigestRequest } from '../sources/bin-window.mjs';
import { clipRanges, type IndexRange, mergeRanges } from '../sources/index-ranges.js';
import type { InstrumentRead } from '../sources/series-reader.js';
import { instrumentDigest, subtractRanges } from './digests.js';
import type { InstrumentSent, SentSelection, SentState } from './sent-state.js';

/** What a build of a provider batch is: the request as far as the record is concerned. */
export interface TrackContext {
  dataset: string;
  root: string;
  fields: readonly string[];
  selection: SentSelection;
  calendar: readonly string[];
  /** The batch's calendar index range. */
  first: number;
  last: number;
}

/** History the record says was sent that is not what the files hold now (qlib's dump_fix, a re-download). */
export interface Rewritten {
  instrument: string;
  why: string;
}

/**
 * Follows one build pass of a provider batch against the record of what was sent (sent-state.ts): asks the
 * readers for each instrument's digests, compares them and the rows with the record, and gives the record
 * after this batch. `state` must fit the build (same directory, fields, selection and calendar: see
 * since-last.ts); without one every instrument starts its record here.
 */
export class SentTracker {
  private readonly late = new Map<number, Set<string>>();
  private readonly rewritten: Rewritten[] = [];
  private readonly next = new Map<string, InstrumentSent>();
  private readonly newEnd: number;
  private readonly firstIndex: number;

  constructor(
    private readonly context: TrackContext,
    private readonly state: SentState | undefined,
  ) {
    this.newEnd = Math.max(context.last, state?.throughIndex ?? -1);
    this.firstIndex = state === undefined ? context.first : context.calendar.indexOf(state.firstDate);
  }

  /**
   * The first calendar index whose instruments are read: besides the batch's own, every instrument with
   * rows inside the record is read, so late rows and rewritten history are seen wherever they are.
   */
  scanFrom(): number {
    return Math.min(this.firstIndex, this.context.first);
  }

  /** What the readers digest of an instrument's files. */
  request(symbol: string): DigestRequest {
    const old = this.state?.instruments[symbol];
    return {
      // An instrument new to a record joins it from the record's first date: rows it has before this
      // batch are late until a push sends them, and its history is followed from there.
      from: Math.min(old?.from ?? this.firstIndex, this.context.first),
      oldEnds:
        old === undefined ? this.context.fields.map(() => -1) : endsOf(old, this.context.fields.length),
      newEnd: this.newEnd,
    };
  }

  /** One instrument as read: `rows` are all its rows (membership, or its files' coverage), unclipped. */
  observe(symbol: string, rows: readonly IndexRange[], read: InstrumentRead): void {
    const ask = this.request(symbol);
    const old = this.state?.instruments[symbol];
    const digests = read.digests ?? new Float64Array(this.context.fields.length * 2);
    if (this.state !== undefined) this.compare(symbol, rows, read, old, digests);
    const keepOld =
      old !== undefined &&
      this.rewritten.some((r) => r.instrument === symbol) &&
      this.context.first > old.from;
    // A rewritten instrument keeps its record (the warning repeats) until a push covers all it sent.
    if (keepOld) return;
    const ends = read.spans.map((span) => endOf(span, ask.from, this.newEnd));
    const sent = clipRanges(rows, this.context.first, this.context.last);
    this.next.set(symbol, {
      from: ask.from,
      rows: mergeRanges([...(old?.rows ?? []), ...sent]),
      ends: ends.every((e) => e === ends[0]) ? (ends[0] ?? -1) : ends,
      digest: instrumentDigest(ends, read.spans, digests, 1),
    });
  }

  /** Late dates (calendar index → instruments) and rewritten instruments seen so far. */
  findings(): { late: Map<number, string[]>; rewritten: Rewritten[] } {
    const late = new Map(
      [...this.late].map(([index, set]) => [index, [...set].sort()] as [number, string[]]),
    );
    return { late, rewritten: [...this.rewritten] };
  }

  /** The record after the batch `batchId` (instruments not read this time keep theirs). */
  nextState(batchId: string, digestOf: (calendar: readonly string[], through: number) => string): SentState {
    const { dataset, root, fields, selection, calendar, first } = this.context;
    const instruments: Record<string, InstrumentSent> = { ...(this.state?.instruments ?? {}) };
    for (const [symbol, sent] of this.next) instruments[symbol] = sent;
    const firstDate =
      this.state === undefined || calendar[first]! < this.state.firstDate
        ? calendar[first]!
        : this.state.firstDate;
    return {
      formatVersion: 1,
      dataset,
      batchId,
      root,
      fields: [...fields],
      selection,
      firstDate,
      through: calendar[this.newEnd] as string,
      throughIndex: this.newEnd,
      calendarDigest: digestOf(calendar, this.newEnd),
      instruments,
    };
  }

  private compare(
    symbol: string,
    rows: readonly IndexRange[],
    read: InstrumentRead,
    old: InstrumentSent | undefined,
    digests: Float64Array,
  ): void {
    const through = (this.state as SentState).throughIndex;
    if (old === undefined) {
      // New to the record: its rows among dates already sent appeared later.
      for (const [a, b] of clipRanges(rows, this.firstIndex, through)) this.markLate(symbol, a, b);
      return;
    }
    const ends = endsOf(old, this.context.fields.length);
    const current = clipRanges(rows, old.from, through);
    const why = rewrittenWhy(old, ends, read, current, digests);
    if (why !== undefined) this.rewritten.push({ instrument: symbol, why });
    for (const [a, b] of subtractRanges(current, old.rows)) this.markLate(symbol, a, b);
    read.spans.forEach((span, f) => {
      if (span === undefined) return;
      const lo = Math.max((ends[f] as number) + 1, span[0], old.from);
      const hi = Math.min(span[1], through);
      for (const [a, b] of clipRanges(current, lo, hi)) this.markLate(symbol, a, b);
    });
  }

  private markLate(symbol: string, a: number, b: number): void {
    for (let i = a; i <= b; i++) {
      const set = this.late.get(i) ?? new Set<string>();
      set.add(symbol);
      this.late.set(i, set);
    }
  }
}

/** Why what the record says was sent is not in the files any more, or undefined when it still is. */
function rewrittenWhy(
  old: InstrumentSent,
  ends: readonly number[],
  read: InstrumentRead,
  current: readonly IndexRange[],
  digests: Float64Array,
): string | undefined {
  const shrunk = ends.findIndex(
    (e, f) => e >= 0 && (read.spans[f] === undefined || (read.spans[f] as [number, number])[1] < e),
  );
  if (shrunk >= 0) return `field file ${shrunk + 1} no longer reaches the dates already sent`;
  if (instrumentDigest(ends, read.spans, digests, 0) !== old.digest) return 'values already sent changed';
  if (subtractRanges(old.rows, current).length > 0)
    return 'rows already sent are no longer in the instruments file';
  return undefined;
}

function endsOf(sent: InstrumentSent, fields: number): number[] {
  return typeof sent.ends === 'number'
    ? Array.from({ length: fields }, () => sent.ends as number)
    : sent.ends;
}

/** The last index a record claims of a file: its end, cut to `newEnd`; -1 when nothing from `from` on. */
function endOf(span: [number, number] | undefined, from: number, newEnd: number): number {
  if (span === undefined) return -1;
  const end = Math.min(span[1], newEnd);
  return end >= Math.max(from, span[0]) ? end : -1;
}
