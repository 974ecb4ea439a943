import { catalog } from '../../../adapters/warehouse/catalog.js';
import { batchEvents, listBatches } from '../../../adapters/warehouse/load-history.js';
import type { DayCell } from '../../../core/api/coverage.js';
import { CalendarCache, datasetSummary } from '../dataset-summary.js';
import { dayStrip } from '../day-strips.js';
import type { ApiDeps, Caller } from '../deps.js';
import { rejectionOf } from '../routes/batches.js';
import { slaStates } from '../sla-states.js';
import { esc, layout } from './html.js';
import { incidentsSection } from './incidents-section.js';
import { leaderboardSection } from './leaderboard-section.js';
import { legend, STATE_LABELS, stripSvg } from './strip-svg.js';

/**
 * The status page (GET /): is today's data in? Per active dataset a strip of its last 60 trading days, then
 * the recent batches with their outcome, rows and duration, then the quarantined batches with their reason and
 * the fix. Server-rendered HTML and inline SVG, no script. Each concern is one section: the monitor's open
 * incidents come first, the experiments' runs leaderboard last.
 */
export async function statusPage(deps: ApiDeps, caller: Caller): Promise<string> {
  const sections: string[] = [];
  for (const section of SECTIONS) sections.push(await section(deps));
  const now = deps.now();
  const header = `<header><h1>qlib-cloud-sync status</h1>
<div class="meta">as of ${esc(now.toISOString().slice(0, 16).replace('T', ' '))} UTC · signed in as <b>${esc(caller.name)}</b> ·
<a href="?logout=1">sign out</a></div></header>`;
  return layout('qlib-cloud-sync status', [header, ...sections].join('\n'));
}

/** The page's sections, in order. */
const SECTIONS: ((deps: ApiDeps) => Promise<string>)[] = [
  incidentsSection,
  datasetsSection,
  batchesSection,
  quarantineSection,
  leaderboardSection,
];

async function datasetsSection(deps: ApiDeps): Promise<string> {
  const cache = new CalendarCache(deps);
  const entries = await catalog(deps.pool);
  const active = entries.filter((e) => e.retiredAt === null && e.kind === 'factors');
  const states = await slaStates(deps);
  const parts: string[] = [];
  for (const entry of active) {
    const strip = await dayStrip(deps, entry, cache);
    const summary = await datasetSummary(deps, entry, cache);
    const last = summary.lastBatch;
    const sla = states.get(entry.dataset);
    const slaLine =
      sla === undefined
        ? ''
        : ` · SLA <b class="sla sla-${esc(sla.state)}" data-sla="${esc(sla.state)}">${esc(sla.state.replace('_', ' '))}</b> (due ${esc(sla.sla.due)}, warn ${esc(sla.sla.warnAfter)}, error ${esc(sla.sla.errorAfter)} ${esc(sla.sla.timeZone)})`;
    parts.push(`<section class="dataset" id="dataset-${esc(entry.dataset)}" data-dataset="${esc(entry.dataset)}">
<h3>${esc(entry.dataset)}</h3>
<div class="meta">complete through <b>${esc(summary.completeThrough ?? '—')}</b> · contract ${esc(entry.contract)} ·
calendar ${esc(strip.calendar ?? 'none (weekdays shown)')}${slaLine} · last batch ${last === null ? '—' : `<code>${esc(last.batchId)}</code> <span class="s-${esc(last.status)}">${esc(last.status)}</span>`}</div>
${stripSvg(entry.dataset, strip.cells)}
<div class="meta">${esc(strip.cells[0]?.day ?? '')} … ${esc(strip.cells.at(-1)?.day ?? '')} (today ${esc(strip.today)})</div>
${dayLists(strip.cells)}
</section>`);
  }
  const retired = entries.filter((e) => e.retiredAt !== null).map((e) => esc(e.dataset));
  const empty =
    active.length === 0 ? '<p>No datasets yet: push a batch with the agent (docs/agent.md).</p>' : '';
  const retiredLine = retired.length === 0 ? '' : `<p class="meta">Retired: ${retired.join(', ')}</p>`;
  return `<h2>Datasets: last 60 trading days</h2>${legend()}${empty}${parts.join('\n')}${retiredLine}`;
}

/** The days that need a look, in words (the strip's colours are not the only way to tell). */
function dayLists(cells: readonly DayCell[]): string {
  const lines = (['late', 'missing', 'quarantined', 'due', 'restated'] as const).flatMap((state) => {
    const days = cells.filter((c) => c.state === state).map((c) => c.day);
    if (days.length === 0) return [];
    return [
      `<div class="days" data-days="${state}"><b>${STATE_LABELS[state]}:</b> ${esc(days.join(', '))}</div>`,
    ];
  });
  return lines.length === 0 ? '<div class="days" data-days="none">every day loaded</div>' : lines.join('\n');
}

async function batchesSection(deps: ApiDeps): Promise<string> {
  const batches = await listBatches(deps.pool, { limit: 20 });
  // Outcome first: on a phone the first columns are the ones in view.
  const rows = batches.map(
    (
      b,
    ) => `<tr data-batch="${esc(b.batchId)}"><td class="s-${esc(b.status)}">${esc(b.status)}${b.errorCode === null ? '' : ` <code>${esc(b.errorCode)}</code>`}</td>
<td>${esc(b.dataset)}</td><td>${esc(b.dateStart ?? '')}${b.dateEnd === b.dateStart ? '' : ` … ${esc(b.dateEnd ?? '')}`}</td>
<td>${esc(b.rowsLoaded ?? b.rowCount ?? '')}</td><td>${esc(duration(b.durationMs))}</td><td>${esc(b.finishedAt?.slice(0, 19) ?? '')}</td>
<td><code>${esc(b.batchId)}</code></td></tr>`,
  );
  const table = `<div class="scroll"><table><thead><tr><th>outcome</th><th>dataset</th><th>dates</th><th>rows</th><th>duration</th><th>finished (UTC)</th><th>batch</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table></div>`;
  return `<h2>Recent batches</h2>${batches.length === 0 ? '<p>No batches yet.</p>' : table}`;
}

async function quarantineSection(deps: ApiDeps): Promise<string> {
  const rejected = await listBatches(deps.pool, { status: 'rejected', limit: 10 });
  const parts: string[] = [];
  for (const b of rejected) {
    const r = rejectionOf(b, await batchEvents(deps.pool, b.batchId));
    parts.push(`<div class="quarantine" data-quarantined="${esc(b.batchId)}">
<div><code>${esc(b.batchId)}</code> · ${esc(b.dataset)} · ${esc(b.dateStart ?? '')}${b.dateEnd === b.dateStart ? '' : ` … ${esc(b.dateEnd ?? '')}`} · <b>${esc(r.code)}</b></div>
<div class="reason">${esc(r.summary)}</div>
<ul class="fix">${r.fix.map((line) => `<li>${esc(line)}</li>`).join('')}</ul>
${r.quarantine === null ? '' : `<div class="meta">reason.json: <code>${esc(r.quarantine.reason)}</code></div>`}
</div>`);
  }
  return `<h2>Quarantined batches</h2>${parts.length === 0 ? '<p>None.</p>' : parts.join('\n')}`;
}

function duration(ms: number | null): string {
  if (ms === null) return '';
  return ms < 1000
    ? `${ms} ms`
    : ms < 120_000
      ? `${(ms / 1000).toFixed(1)} s`
      : `${Math.round(ms / 60_000)} min`;
}

/** The sign-in form: the page asks for the token once, then keeps it in a cookie only this page reads. */
export function loginPage(message?: string): string {
  const error = message === undefined ? '' : `<p class="error" role="alert">${esc(message)}</p>`;
  return layout(
    'qlib-cloud-sync status: sign in',
    `<h1>qlib-cloud-sync status</h1>
<form method="post" action="./">
${error}<label for="token">API token (scope <code>read:status</code>)</label>
<input type="password" id="token" name="token" autocomplete="current-password" required>
<button type="submit">Show status</button>
<p class="meta">Create one with <code>npm run token -- create --name me --scope read:status</code>. It is kept in a cookie for this page only.</p>
</form>`,
  );
}
