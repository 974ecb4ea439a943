import type { Pool, RowDataPacket } from 'mysql2/promise';
import { TokenStore } from '../../adapters/warehouse/api-tokens.js';
import type { LocalStack } from '../../local/stack.js';
import type { StoryChecks } from './story-checks.js';

interface Io {
  say: (line?: string) => void;
  section: (title: string) => void;
  checks: StoryChecks;
}

/**
 * The demo's API step: a token (as `npm run token` makes one), the status page and a values read over the FC
 * HTTP trigger, checked: the page shows the loaded batches and the quarantined one with its reason. Prints the
 * the page's URL and the token (the demo prints them at its end) so a person can open it.
 */
export async function statusPageStep(
  stack: LocalStack,
  pool: Pool,
  io: Io,
): Promise<{ url: string; token: string }> {
  const { say, section, checks } = io;
  section('7. the HTTP API and the status page (functions/api, docs/api.md)');
  const url = stack.fc.httpUrl('qlib-api');
  if (url === undefined) throw new Error('the s.yaml has no HTTP trigger for qlib-api');
  await pool.query("DELETE FROM api_tokens WHERE name = 'demo'");
  const { token } = await new TokenStore(pool).create('demo', ['read:data', 'read:status'], null);
  const [batches] = await pool.query<RowDataPacket[]>(
    "SELECT batch_id, status, error_code FROM batches WHERE status IN ('loaded', 'rejected') ORDER BY first_seen_at",
  );
  const page = await fetch(`${url}/`, { headers: { authorization: `Bearer ${token}` } });
  const html = await page.text();
  const loaded = batches.filter((b) => b.status === 'loaded').map((b) => String(b.batch_id));
  const rejected = batches.filter((b) => b.status === 'rejected');
  checks.check(
    `the status page lists the ${loaded.length} loaded batches`,
    page.status === 200 && loaded.length > 0 && loaded.every((id) => html.includes(`data-batch="${id}"`)),
    { status: page.status, loaded },
  );
  checks.check(
    'the status page shows the quarantined batch with its reason (DUPLICATE_KEY) and the fix',
    rejected.length > 0 &&
      rejected.every((b) => html.includes(`data-quarantined="${b.batch_id}"`)) &&
      /class="reason">DUPLICATE_KEY/.test(html) &&
      html.includes('Fix the rows listed under findings'),
    rejected.map((b) => `${b.batch_id} ${b.error_code}`),
  );
  const [ranked] = await pool.query<RowDataPacket[]>(
    "SELECT run_id FROM run_summaries WHERE ic IS NOT NULL AND lifecycle_stage = 'active' ORDER BY ic DESC LIMIT 10",
  );
  const runs = await fetch(`${url}/v1/runs?order_by=ic&limit=1`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const top = ((await runs.json()) as { runs?: { runId: string; ic: number }[] }).runs?.[0];
  say(`GET /v1/runs?order_by=ic&limit=1 → ${runs.status}: run ${top?.runId} IC ${top?.ic}`);
  checks.check(
    'the runs leaderboard on the status page and GET /v1/runs?order_by=ic show the demo run',
    ranked.length > 0 &&
      ranked.every((r) => html.includes(`data-run="${r.run_id}"`)) &&
      top?.runId === ranked[0]?.run_id,
    { ranked: ranked.map((r) => r.run_id), top },
  );
  const values = await fetch(`${url}/v1/datasets/cn_daily/values?fields=close&limit=3`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await values.json()) as { rows?: unknown[][]; next?: string | null };
  say(
    `GET /v1/datasets/cn_daily/values?fields=close&limit=3 → ${values.status}, ETag ${values.headers.get('etag')}`,
  );
  for (const row of body.rows ?? []) say(`  ${JSON.stringify(row)}`);
  checks.check(
    'the values endpoint answers three rows and a cursor for the rest',
    body.rows?.length === 3 && typeof body.next === 'string',
    values.status,
  );
  return { url, token };
}
