import { listRunSummaries } from '../../../adapters/warehouse/experiments/run-queries.js';
import type { RunOrderColumn } from '../../../core/api/runs-request.js';
import type { ApiDeps } from '../deps.js';
import { esc } from './html.js';

const TOP = 10;

/**
 * The runs leaderboard (issue 12 item 9): the top 10 active runs by IC and by the 1-day annualized excess return
 * with cost, from run_summaries — the same query GET /v1/runs?order_by= answers.
 */
export async function leaderboardSection(deps: ApiDeps): Promise<string> {
  const boards: [RunOrderColumn, string][] = [
    ['ic', 'IC'],
    ['ann_return_with_cost_1day', 'annualized excess return (1 day, with cost)'],
  ];
  const parts: string[] = [];
  for (const [column, label] of boards) {
    const rows = await listRunSummaries(deps.pool, {
      orderBy: column,
      desc: true,
      includeDeleted: false,
      limit: TOP,
    });
    const ranked = rows.filter((r) => r[column] !== null);
    if (ranked.length === 0) continue;
    const body = ranked.map(
      (r, i) => `<tr data-run="${esc(r.run_id)}"><td>${i + 1}</td><td>${esc(figure(r[column]))}</td>
<td>${esc(r.run_name ?? r.run_id)}</td><td>${esc(r.experiment_name ?? r.experiment_id)}</td><td>${esc(r.model_class ?? '')}</td>
<td>${esc(figure(r.rank_ic))}</td><td>${esc(figure(r.info_ratio_with_cost_1day))}</td><td>${esc(String(r.start_time ?? '').slice(0, 10))}</td><td><code>${esc(r.run_id)}</code></td></tr>`,
    );
    parts.push(`<h3>Top ${TOP} by ${esc(label)}</h3>
<div class="scroll"><table class="leaderboard" data-board="${esc(column)}"><thead><tr><th>#</th><th>${esc(column === 'ic' ? 'IC' : 'excess return')}</th><th>run</th><th>experiment</th><th>model</th><th>Rank IC</th><th>IR (with cost)</th><th>started</th><th>run id</th></tr></thead>
<tbody>${body.join('\n')}</tbody></table></div>`);
  }
  const empty =
    '<p data-leaderboard="none">No runs with these figures yet: qlib-sync push-runs sends them.</p>';
  return `<h2>Runs leaderboard</h2>${parts.length === 0 ? empty : parts.join('\n')}`;
}

function figure(value: unknown): string {
  return typeof value === 'number' ? value.toFixed(4) : '—';
}
