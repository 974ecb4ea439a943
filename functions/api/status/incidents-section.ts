import { listIncidents } from '../../../adapters/warehouse/incident-queries.js';
import type { ApiDeps } from '../deps.js';
import { esc } from './html.js';

const SHOWN = 20;

/** Open incidents, errors first, newest first: the one-line summary, what happened and what to do. */
export async function incidentsSection(deps: ApiDeps): Promise<string> {
  const open = await listIncidents(deps.pool, { state: 'open', limit: SHOWN + 1 });
  const sorted = open
    .slice(0, SHOWN)
    .sort((a, b) => (a.severity === b.severity ? b.id - a.id : a.severity === 'error' ? -1 : 1));
  const items = sorted.map((i) => {
    const todo = i.detail?.whatToDo ?? [];
    const what = i.detail?.what ?? [];
    return `<div class="incident sev-${esc(i.severity)}" data-incident="${esc(i.key)}">
<div class="summary">${esc(i.summary)}</div>
<div class="meta">${esc(i.check)} · ${esc(i.severity)} · opened ${esc(i.openedAt.slice(0, 16))} UTC${i.batchId === null ? '' : ` · batch <code>${esc(i.batchId)}</code>`}</div>
${what.length === 0 ? '' : `<ul class="what">${what.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>`}
${todo.length === 0 ? '' : `<ul class="todo">${todo.map((t) => `<li>${esc(t)}</li>`).join('')}</ul>`}
</div>`;
  });
  const more =
    open.length > SHOWN ? `<p class="meta">More open incidents: GET /v1/incidents?state=open</p>` : '';
  const body = items.length === 0 ? '<p data-incidents="none">None open.</p>' : items.join('\n');
  return `<h2>Open incidents</h2>${body}${more}`;
}
