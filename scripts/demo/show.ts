import type MNS from '@alicloud/mns';
import type OSS from 'ali-oss';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { formatFloat32 } from '../../core/csv/index.js';

export interface SettledRow {
  batch_id: string;
  status: string;
  summary: string;
  rows_loaded: number | null;
  row_count: number | null;
  error_code: string | null;
}

/** Poll the ledger until the batch (or the latest batch of a dataset) is settled. */
export async function waitSettled(
  pool: Pool,
  which: { dataset: string; through?: string } | { batchId: string },
  timeoutMs = 120_000,
): Promise<SettledRow> {
  const [column, value] = 'batchId' in which ? ['batch_id', which.batchId] : ['dataset', which.dataset];
  // A dataset's earlier batches are settled already: `through` waits for the one that reaches that day.
  const through = 'through' in which && which.through !== undefined ? which.through : '0000-01-01';
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const [rows] = await pool.query<RowDataPacket[]>(
      `SELECT batch_id, status, summary, rows_loaded, row_count, error_code FROM batches WHERE ${column} = ?
          AND status IN ('loaded', 'rejected', 'duplicate') AND COALESCE(date_end, '9999-12-31') >= ?
        ORDER BY first_seen_at DESC LIMIT 1`,
      [value, through],
    );
    if (rows[0] !== undefined) return rows[0] as SettledRow;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no settled batch for ${value} after ${timeoutMs / 1000} s (see the function log above)`);
}

/** Count, date span and the first rows of f_cn_daily (FLOATs via the binary protocol, float32-short); the count. */
export async function showRows(pool: Pool, say: (line: string) => void, note?: string): Promise<number> {
  const [[stats]] = await pool.query<RowDataPacket[]>(
    'SELECT COUNT(*) AS n, COUNT(DISTINCT instrument) AS i, MIN(trade_date) AS a, MAX(trade_date) AS b FROM f_cn_daily',
  );
  say(
    `SELECT COUNT(*) … → ${stats?.n} rows, ${stats?.i} instruments, ${stats?.a}..${stats?.b}${note ? ` (${note})` : ''}`,
  );
  if (note !== undefined) return Number(stats?.n);
  const [rows] = await pool.execute<RowDataPacket[]>(
    'SELECT trade_date, instrument, open, close, volume, batch_id FROM f_cn_daily ORDER BY trade_date DESC, instrument LIMIT 4',
  );
  say('  trade_date  instrument  open        close       volume');
  for (const r of rows) {
    const f = (v: unknown) => (v === null ? 'NULL' : formatFloat32(Number(v))).padEnd(11);
    say(`  ${r.trade_date}  ${String(r.instrument).padEnd(10)}  ${f(r.open)} ${f(r.close)} ${f(r.volume)}`);
  }
  return Number(stats?.n);
}

/** The latest date's first rows, to build the broken batch from. */
export async function latestRows(
  pool: Pool,
  fields: string[],
  count: number,
): Promise<{ date: string; rows: { instrument: string; values: number[] }[] }> {
  const [rows] = await pool.execute<RowDataPacket[]>(
    `SELECT trade_date, instrument, ${fields.join(', ')} FROM f_cn_daily
      WHERE trade_date = (SELECT MAX(trade_date) FROM f_cn_daily) ORDER BY instrument LIMIT ${count}`,
  );
  return {
    date: String(rows[0]?.trade_date),
    rows: rows.map((r) => ({
      instrument: String(r.instrument),
      values: fields.map((f) => (r[f] === null ? Number.NaN : Number(r[f]))),
    })),
  };
}

/** The evidence beside the quarantined batch; undefined (and said so) when there is none. */
export async function showReason(
  client: OSS,
  key: string,
  say: (line: string) => void,
): Promise<{ code?: string } | undefined> {
  const got = await client.get(key).catch(() => undefined);
  if (got === undefined) {
    say(`oss://…/${key}: not found`);
    return undefined;
  }
  const reason = JSON.parse(got.content.toString('utf8'));
  say(`oss://…/${key}:`);
  say(`  ${reason.summary}`);
  for (const f of reason.findings as {
    code: string;
    severity: string;
    count: number;
    examples: Record<string, unknown>[];
  }[]) {
    say(`  finding ${f.code} (${f.severity}) ×${f.count}, first: ${JSON.stringify(f.examples[0] ?? {})}`);
  }
  for (const line of reason.whatToDo as string[]) say(`  what to do: ${line}`);
  return reason;
}

/** What a subscriber of the alert topic received (a queue subscribed to it, read with @alicloud/mns). */
export async function showAlerts(
  mns: MNS,
  queue: string,
  say: (line: string) => void,
): Promise<Record<string, unknown>[]> {
  const bodies: Record<string, unknown>[] = [];
  for (let wait = 5; ; wait = 1) {
    const message = await mns.receiveMessage(queue, wait).catch(() => undefined);
    if (message === undefined) break;
    bodies.push(JSON.parse(message.body.MessageBody));
    await mns.deleteMessage(queue, message.body.ReceiptHandle);
  }
  say(
    `alerts received on queue ${queue} (subscribed to the alert topic; plain JSON, summary first, tag = severity):`,
  );
  for (const b of bodies) say(`  ${b.summary}`);
  const error = bodies.find((b) => b.severity === 'error');
  if (error !== undefined) say(`  ${JSON.stringify(error, null, 2).split('\n').join('\n  ')}`);
  return bodies;
}
