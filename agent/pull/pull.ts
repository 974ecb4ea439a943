import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TerminalError } from '../../core/errors.js';
import type { ApiSource } from '../api-client.js';
import { type DateRange, planCalendars } from './calendars.js';
import { PendingSyncs, writeNew } from './file-ops.js';
import { type OldSpan, type Placement, placeInstrument } from './instrument-files.js';
import { ProviderDir, type PullState } from './provider-dir.js';
import type { PullProgress } from './pull-progress.js';
import { type FetchScope, type FetchTally, fetchRange, type InstrumentRows } from './values-fetch.js';

export interface PullOptions {
  dataset: string;
  dir: string;
  fields: readonly string[] | null;
  start: string | null;
  market: string | null;
  /** Bytes of rows held in memory per group of instruments on a full pull. */
  groupBytes?: number;
}

export interface Updates {
  dataset: string;
  columns: { name: string; type: string }[];
  snapshot: { batchId: string; loadedAt: string } | null;
  since: { batchId: string; known: boolean } | null;
  changed: DateRange[] | null;
  batches: { batchId: string; start: string; end: string; restates: boolean }[] | null;
  days: string[];
  instruments: { instrument: string; start: string; end: string }[];
}

export interface PullSummary {
  dataset: string;
  dir: string;
  snapshot: string;
  previous: string | null;
  mode: 'full' | 'incremental' | 'up-to-date';
  why: string;
  days: { total: number; appended: number; calendarChangedAt: string | null };
  restated: DateRange[];
  instruments: Record<Placement['how'], number>;
  files: { written: number; appended: number; linked: number };
  bytesWritten: number;
  bytesReceived: number;
  requests: number;
  rows: number;
  offCalendarRows: number;
  seconds: number;
}

/** What one pull starts from: the committed generation, the cloud's answer, and what to write. */
interface PullPlan {
  committed: ReturnType<ProviderDir['current']>;
  upd: Updates & { snapshot: NonNullable<Updates['snapshot']> };
  fields: string[];
  everyColumn: boolean;
  members: Set<string> | null;
  newDays: string[];
  oldDays: string[];
  /** Why this pull rewrites everything, or null: incremental. */
  why: string | null;
}

/**
 * `qlib-sync pull` (docs/pull.md): bring DIR to the dataset's latest snapshot through the HTTP API, writing a
 * new generation beside the committed one (only what changed; the rest hard-linked) and committing it with one
 * rename. Returns what it did.
 */
export async function pull(
  api: ApiSource,
  options: PullOptions,
  progress: PullProgress,
): Promise<PullSummary> {
  const began = Date.now();
  const provider = ProviderDir.open(options.dir);
  const unlock = provider.lock();
  try {
    const plan = await planPull(api, provider, options);
    const { committed, upd, newDays, oldDays, why } = plan;
    const summary = emptySummary(options, upd.snapshot.batchId, committed?.state.snapshot.batchId ?? null);
    const finish = (more: Partial<PullSummary>): PullSummary => ({
      ...summary,
      ...more,
      seconds: (Date.now() - began) / 1000,
      bytesReceived: api.received.bytes,
      requests: api.received.requests,
    });
    // Up to date: the same snapshot and the same days (a calendar corrected without a new factor batch is news).
    const sameDays = oldDays.length === newDays.length && oldDays.every((d, i) => d === newDays[i]);
    if (why === null && sameDays && committed?.state.snapshot.batchId === upd.snapshot.batchId) {
      return finish({ mode: 'up-to-date', why: 'the directory holds the latest snapshot' });
    }
    const cal = planCalendars(oldDays, newDays, why === null ? upd.changed : null);
    const gen = provider.begin();
    const tally: FetchTally = { rows: 0, offCalendar: 0 };
    const syncs = new PendingSyncs();
    const spans = await fillGeneration(api, plan, {
      cal,
      gen: gen.path,
      tally,
      summary,
      progress,
      options,
      syncs,
    });
    progress.done();
    syncs.flush();
    await writeIndexes(api, gen.path, spans, newDays, options.market);
    provider.commit(gen, {
      format: 1,
      dataset: options.dataset,
      snapshot: upd.snapshot,
      fields: plan.fields,
      everyColumn: plan.everyColumn,
      start: options.start,
      market: options.market,
      days: newDays.length,
      pulledAt: new Date().toISOString(),
    });
    const lastOld = oldDays.at(-1);
    return finish({
      mode: why === null ? 'incremental' : 'full',
      why: why ?? `${(upd.batches ?? []).length} batch(es) loaded since ${committed?.state.snapshot.batchId}`,
      days: {
        total: newDays.length,
        appended: cal.appendOnly ? newDays.length - oldDays.length : 0,
        calendarChangedAt: cal.changedAt,
      },
      restated:
        why === null ? (upd.changed ?? []).filter((r) => lastOld !== undefined && r.start <= lastOld) : [],
      rows: tally.rows,
      offCalendarRows: tally.offCalendar,
    });
  } finally {
    progress.done();
    unlock();
  }
}

/** Ask the API what changed since the committed snapshot and decide between a full and an incremental pull. */
async function planPull(api: ApiSource, provider: ProviderDir, options: PullOptions): Promise<PullPlan> {
  const committed = provider.current();
  const since = committed?.state.dataset === options.dataset ? committed.state.snapshot.batchId : null;
  const query = since === null ? '' : `?since=${encodeURIComponent(since)}`;
  const { body: upd } = await api.json<Updates>(
    `/v1/datasets/${encodeURIComponent(options.dataset)}/updates${query}`,
  );
  const snapshot = upd.snapshot;
  if (snapshot === null)
    throw new TerminalError('PULL_EMPTY', `dataset ${options.dataset} has no loaded batch yet`);
  // Without --fields a pull keeps what the directory holds: every column (new ones join), or the list given once.
  const everyColumn = options.fields === null && (committed === null || committed.state.everyColumn);
  const fields = resolveFields(
    everyColumn ? null : (options.fields ?? committed?.state.fields ?? null),
    upd.columns,
  );
  const members = options.market === null ? null : await marketMembers(api, options.market);
  const sameShape =
    committed !== null &&
    committed.state.dataset === options.dataset &&
    committed.state.fields.join(',') === fields.join(',') &&
    committed.state.start === options.start &&
    committed.state.market === options.market;
  const why = whyFull(committed?.state ?? null, sameShape, upd);
  return {
    committed,
    upd: { ...upd, snapshot },
    fields,
    everyColumn,
    members,
    newDays: upd.days.filter((d) => options.start === null || d >= options.start),
    oldDays: why === null && committed !== null ? readDays(committed.gen.path) : [],
    why,
  };
}

interface FillContext {
  cal: ReturnType<typeof planCalendars>;
  gen: string;
  tally: FetchTally;
  summary: PullSummary;
  progress: PullProgress;
  options: PullOptions;
  syncs: PendingSyncs;
}

/**
 * Fetch what the plan needs and place every instrument's files into the new generation: a full pull reads every
 * instrument in groups (bounded memory); an incremental one reads the changed date ranges, then the whole history
 * of instruments new to the directory (a market's new member). The instruments' new spans.
 */
async function fillGeneration(api: ApiSource, plan: PullPlan, f: FillContext): Promise<Map<string, OldSpan>> {
  const { committed, fields, members, newDays, oldDays, why } = plan;
  const ctx = {
    fields,
    cal: f.cal,
    oldFeatures: committed === null ? null : join(committed.gen.path, 'features'),
    newFeatures: join(f.gen, 'features'),
    syncs: f.syncs,
  };
  // A full pull writes every file anew; an incremental one starts from the committed files.
  const old =
    why === null && committed !== null ? readSpans(committed.gen.path, oldDays) : new Map<string, OldSpan>();
  const scope: FetchScope = {
    dataset: plan.upd.dataset,
    fields,
    snapshot: plan.upd.snapshot,
    dayIndex: new Map(newDays.map((d, i) => [d, i])),
  };
  const wanted = plan.upd.instruments
    .map((s) => s.instrument)
    .filter((c) => members === null || members.has(c));
  const total = new Set([...wanted, ...old.keys()]).size;
  const spans = new Map<string, OldSpan>();
  let placed = 0;
  const tick = () => f.progress.update(placed, total, api.received.bytes);
  const place = (code: string, rows: InstrumentRows | undefined) => {
    if (members !== null && !members.has(code)) return;
    const p = placeInstrument(ctx, code, rows, old.get(code));
    if (p.span !== null) spans.set(code, p.span);
    tallyPlacement(f.summary, p);
    placed += 1;
    tick();
  };
  const whole = (instruments: string[]) => ({
    start: newDays[0] as string,
    end: newDays.at(-1) as string,
    instruments,
  });
  if (newDays.length === 0) return spans;
  if (why !== null) {
    for (const group of groupsOf(wanted, newDays.length, fields.length, f.options.groupBytes)) {
      const rows = new Map<string, InstrumentRows>();
      await fetchRange(api, scope, whole(group), rows, f.tally, tick);
      for (const code of group) place(code, rows.get(code));
    }
    return spans;
  }
  const rows = new Map<string, InstrumentRows>();
  const lists = members === null ? [null] : chunks(wanted, 1000);
  for (const range of f.cal.fetch) {
    for (const instruments of lists)
      await fetchRange(api, scope, { ...range, instruments }, rows, f.tally, tick);
  }
  const fresh = wanted.filter((c) => !old.has(c) && !rows.has(c));
  for (const group of groupsOf(fresh, newDays.length, fields.length, f.options.groupBytes)) {
    await fetchRange(api, scope, whole(group), rows, f.tally, tick);
  }
  for (const code of new Set([...wanted, ...old.keys(), ...rows.keys()])) place(code, rows.get(code));
  return spans;
}

function tallyPlacement(summary: PullSummary, p: Placement): void {
  summary.instruments[p.how] += 1;
  summary.files.written += p.files.written;
  summary.files.appended += p.files.appended;
  summary.files.linked += p.files.linked;
  summary.bytesWritten += p.bytes;
}

/** calendars/day.txt, instruments/all.txt and, with --market, the market's file as the API serves it. */
async function writeIndexes(
  api: ApiSource,
  gen: string,
  spans: Map<string, OldSpan>,
  days: readonly string[],
  market: string | null,
): Promise<void> {
  writeNew(join(gen, 'calendars', 'day.txt'), Buffer.from(days.map((d) => `${d}\n`).join('')));
  writeNew(join(gen, 'instruments', 'all.txt'), Buffer.from(instrumentsText(spans, days)));
  if (market !== null) {
    const text = await api.text(`/v1/markets/${encodeURIComponent(market)}?format=txt`);
    writeNew(join(gen, 'instruments', `${market.toLowerCase()}.txt`), Buffer.from(text));
  }
}

function whyFull(state: PullState | null, sameShape: boolean, upd: Updates): string | null {
  if (state === null) return 'first pull into this directory';
  if (state.dataset !== upd.dataset) return `the directory held ${state.dataset}`;
  if (!sameShape) return 'the fields, --start or --market changed';
  if (upd.since !== null && !upd.since.known)
    return `the cloud does not know the pulled snapshot ${state.snapshot.batchId}`;
  return null;
}

/** The requested fields as the dataset spells them (any case in), every unknown one named at once. */
function resolveFields(requested: readonly string[] | null, columns: Updates['columns']): string[] {
  if (requested === null) return columns.map((c) => c.name);
  const byLower = new Map(columns.map((c) => [c.name.toLowerCase(), c.name]));
  const unknown = requested.filter((f) => !byLower.has(f.toLowerCase()));
  if (unknown.length > 0) {
    throw new TerminalError(
      'PULL_FIELDS_UNKNOWN',
      `not columns of the dataset: ${unknown.join(', ')} (it has ${columns.map((c) => c.name).join(', ')})`,
    );
  }
  return [...new Set(requested.map((f) => byLower.get(f.toLowerCase()) as string))];
}

async function marketMembers(api: ApiSource, market: string): Promise<Set<string>> {
  const { body } = await api.json<{ members: { instrument: string }[] }>(
    `/v1/markets/${encodeURIComponent(market)}`,
  );
  return new Set(body.members.map((m) => m.instrument));
}

function readDays(genPath: string): string[] {
  return readFileSync(join(genPath, 'calendars', 'day.txt'), 'utf8')
    .split('\n')
    .filter((d) => d !== '');
}

/** instruments/all.txt of a generation as calendar-index spans. */
function readSpans(genPath: string, days: readonly string[]): Map<string, OldSpan> {
  const index = new Map(days.map((d, i) => [d, i]));
  const out = new Map<string, OldSpan>();
  const path = join(genPath, 'instruments', 'all.txt');
  if (!existsSync(path)) return out;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const [code, start, end] = line.split('\t');
    const s = index.get(start ?? '');
    const e = index.get(end ?? '');
    if (code !== undefined && s !== undefined && e !== undefined) out.set(code, { start: s, end: e });
  }
  return out;
}

/** qlib's instruments format: SYMBOL, first day, last day, tab-separated. */
function instrumentsText(spans: Map<string, OldSpan>, days: readonly string[]): string {
  return [...spans.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([code, s]) => `${code}\t${days[s.start]}\t${days[s.end]}\n`)
    .join('');
}

function groupsOf(codes: string[], days: number, fields: number, budget = 256 * 1048576): string[][] {
  const perInstrument = Math.max(1, days * (fields * 4 + 96));
  return chunks(codes.sort(), Math.max(1, Math.min(1000, Math.floor(budget / perInstrument))));
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function emptySummary(options: PullOptions, snapshot: string, previous: string | null): PullSummary {
  return {
    dataset: options.dataset,
    dir: options.dir,
    snapshot,
    previous,
    mode: 'full',
    why: '',
    days: { total: 0, appended: 0, calendarChangedAt: null },
    restated: [],
    instruments: { linked: 0, appended: 0, rewritten: 0, new: 0, dropped: 0 },
    files: { written: 0, appended: 0, linked: 0 },
    bytesWritten: 0,
    bytesReceived: 0,
    requests: 0,
    rows: 0,
    offCalendarRows: 0,
    seconds: 0,
  };
}
