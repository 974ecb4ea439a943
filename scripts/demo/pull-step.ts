import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { runAgent } from './agent-cli.js';
import type { StoryChecks } from './story-checks.js';

interface Io {
  say: (line?: string) => void;
  section: (title: string) => void;
  checks: StoryChecks;
}

/**
 * The demo's training-node step: `qlib-sync pull` writes cn_daily from the API as a qlib provider directory, and
 * one of its files is read back from qlib's format (float32 little-endian, element 0 the start index into
 * calendars/day.txt) and compared bit for bit with the row values in MySQL; a second pull finds nothing to do.
 */
export async function pullStep(
  pool: Pool,
  dir: string,
  api: { url: string; token: string },
  io: Io,
): Promise<void> {
  const { say, section, checks } = io;
  section('8. a training node: qlib-sync pull writes a qlib provider directory (docs/pull.md)');
  const to = join(dir, 'qlib_cloud');
  const env = { QLIB_SYNC_API_URL: api.url, QLIB_SYNC_API_TOKEN: api.token };
  say(`$ qlib-sync pull --dataset cn_daily --to ${to}`);
  await runAgent(['pull', '--dataset', 'cn_daily', '--to', to], env, say);

  const days = (await readFile(join(to, 'calendars', 'day.txt'), 'utf8')).split('\n').filter((d) => d !== '');
  const bin = await readFile(join(to, 'features', 'sh600000', 'close.day.bin'));
  const start = bin.readFloatLE(0);
  // One float32 per calendar day from the start index; a day without a value (no row, or NULL) is NaN.
  const pulled = new Map<string, number>();
  for (let i = 1; i < bin.length / 4; i++) pulled.set(days[start + i - 1] as string, bin.readUInt32LE(4 * i));
  const [rows] = await pool.query<RowDataPacket[]>(
    "SELECT DATE_FORMAT(trade_date, '%Y-%m-%d') AS day, CAST(close AS DOUBLE) AS close FROM f_cn_daily WHERE instrument = 'SH600000' ORDER BY trade_date",
  );
  const stored = new Map(rows.map((r) => [String(r.day), r.close === null ? Number.NaN : Number(r.close)]));
  const bits = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    return b.readUInt32LE(0);
  };
  const nan = (b: number | undefined) =>
    b !== undefined && Number.isNaN(Buffer.from(Uint32Array.of(b).buffer).readFloatLE(0));
  const differ = [...pulled].filter(([day, b]) => {
    const want = stored.get(day) ?? Number.NaN;
    return Number.isNaN(want) ? !nan(b) : b !== bits(want);
  });
  const values = [...stored.values()].filter((v) => !Number.isNaN(v)).length;
  say(
    `features/sh600000/close.day.bin: start index ${start}, ${pulled.size} float32 values (NaN where no value); f_cn_daily: ${values} values of SH600000`,
  );
  checks.check(
    'the pulled close.day.bin of SH600000 equals its values in MySQL bit for bit (float32), NaN where none',
    values > 0 && [...stored.keys()].every((d) => pulled.has(d)) && differ.length === 0,
    { values, pulled: pulled.size, differ: differ.slice(0, 3) },
  );
  const again = await runAgent(['pull', '--dataset', 'cn_daily', '--to', to, '--json'], env, () => {});
  const summary = JSON.parse(again.trim().split('\n').at(-1) as string) as {
    mode?: string;
    snapshot?: string;
    bytesWritten?: number;
  };
  say(
    `$ qlib-sync pull --dataset cn_daily --to ${to} --json   (again) → mode ${summary.mode}, snapshot ${summary.snapshot}`,
  );
  checks.check(
    'a second pull with nothing new is up to date and writes nothing',
    summary.mode === 'up-to-date' && (summary.bytesWritten ?? 0) === 0,
    summary,
  );
  say(`qlib.init(provider_uri="${to}") now sees $close, $open, … (docs/pull.md)`);
}
