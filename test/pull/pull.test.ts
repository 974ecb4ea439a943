import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CsvRowWriter } from '../../core/csv/index.js';
import { runCliCaptured } from '../agent/agent-harness.js';
import { type ApiEnvironment, startApi } from '../api/api-harness.js';
import { makeBatch } from '../ingest/batch-builder.js';
import { float32Bits, type ProviderView, readProvider } from './provider-reader.js';
import { batchOf, CODES, COLUMNS, codesOf, DAYS, type Data, expectedView, rowsInto } from './pull-fixture.js';

const ROOT = resolve(import.meta.dirname, '../..');
/** A CLI run and its --json document. */
// biome-ignore lint/suspicious/noExplicitAny: the tests walk the --json document with expect()
type CliDoc = { code: number; stdout: string; stderr: string; doc: any };

/** One dataset, its loaded history (mirrored in `data`) and a provider directory of its own: tests share nothing. */
interface Scenario {
  dataset: string;
  codes: string[];
  /** Rows of days [from, to) at `version` for the instruments at indices `only` (the rest at version 1). */
  rows(from: number, to: number, version: number, only?: number[]): void;
  data: Data;
  dir: string;
  load(from: number, to: number): Promise<void>;
  pull(to?: string, ...more: string[]): Promise<CliDoc>;
  /** `qlib-sync <args> --json` with the API's env and `env` over it; the JSON document when there is one. */
  run(args: string[], env?: Record<string, string>): Promise<CliDoc>;
  expected(): ProviderView;
}

describe('qlib-sync pull', () => {
  let api: ApiEnvironment;
  let token: string;
  let work: string;
  const env = () => ({ QLIB_SYNC_API_URL: api.base, QLIB_SYNC_API_TOKEN: token });

  /** A dataset of `instruments` with days [0, 10) loaded and pulled once into its directory. */
  async function scenario(name: string, instruments = 8): Promise<Scenario> {
    const codes = codesOf(instruments);
    const dataset = `pulled_${name}`;
    const data: Data = new Map();
    const dir = join(work, name, 'qlib_cloud');
    const s: Scenario = {
      dataset,
      codes,
      rows: (from, to, version, only) => rowsInto(data, from, to, version, only, codes),
      data,
      dir,
      load: async (from, to) => {
        const outcome = await api.push(batchOf(dataset, data, from, to));
        expect(outcome.status).toBe('loaded');
      },
      pull: (to = dir, ...more) => s.run(['pull', '--dataset', dataset, '--to', to, ...more]),
      run: async (args, extra = {}) => {
        const run = await runCliCaptured([...args, '--json'], {
          env: { ...env(), ...extra },
          home: work,
          sleep: async () => {},
        });
        const last = run.stdout.trim().split('\n').at(-1) as string;
        return { ...run, doc: last === '' ? null : JSON.parse(last) };
      },
      expected: () => expectedView(data, codes),
    };
    s.rows(0, 10, 1);
    await s.load(0, 10);
    const first = await s.pull();
    expect(first.code, first.stderr).toBe(0);
    return s;
  }

  beforeAll(async () => {
    api = await startApi('pull');
    token = await api.token(['read:data'], 'trainer');
    work = mkdtempSync(join(tmpdir(), 'pull-test-'));
  });

  afterAll(async () => {
    await api?.close();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it('writes a provider directory whose values equal the loaded ones bit for bit', async () => {
    const s = await scenario('full');
    const view = readProvider(s.dir);
    expect(view).toEqual(s.expected());
    expect(view.days).toEqual(DAYS.slice(0, 10));
    expect(Object.keys(view.values)).toContain('sh600005/kmid.day.bin');
    expect(view.instruments.SH600005).toEqual([DAYS[3], DAYS[9]]);
    expect(view.instruments.SH600006).toEqual([DAYS[0], DAYS[6]]);
    const [ledger] = await api.query(`SELECT batch_id FROM batches WHERE dataset = ? AND status = 'loaded'`, [
      s.dataset,
    ]);
    expect(readFileSync(join(s.dir, '.qlib-sync-snapshot'), 'utf8').trim()).toBe(ledger?.batch_id);
    expect((await s.pull()).doc).toMatchObject({ mode: 'up-to-date' });
  });

  it('appends exactly the next day and leaves the old prefix of each file byte-identical', async () => {
    const s = await scenario('append');
    const before = fileBytes(s.dir);
    s.rows(10, 11, 1);
    await s.load(10, 11);
    const run = await s.pull();
    expect(run.code, run.stderr).toBe(0);
    const withValues = CODES.filter((c) => s.data.get(DAYS[10] as string)?.has(c)).length;
    expect(withValues).toBe(CODES.length - 1);
    expect(run.doc).toMatchObject({
      mode: 'incremental',
      days: { appended: 1 },
      bytesWritten: withValues * COLUMNS.length * 4,
    });
    expect(run.doc.instruments).toMatchObject({ appended: withValues, linked: 1, rewritten: 0 });
    const after = fileBytes(s.dir);
    for (const [file, bytes] of before) {
      expect(after.get(file)?.subarray(0, bytes.length).equals(bytes), file).toBe(true);
      const grew = (after.get(file)?.length ?? 0) - bytes.length;
      expect(grew, file).toBe(file.startsWith('sh600006/') ? 0 : 4);
    }
    expect(readProvider(s.dir)).toEqual(s.expected());
  });

  it('rewrites only the restated range of the instruments whose values changed', async () => {
    const s = await scenario('restate');
    const before = fileBytes(s.dir);
    // Days 4-5 again: SH600002 with new values, SH600003 loses one value, SH600004 its row of day 5.
    s.rows(4, 6, 2, [2]);
    (s.data.get(DAYS[4] as string)?.get('SH600003') as (number | null)[])[1] = null;
    s.data.get(DAYS[5] as string)?.delete('SH600004');
    await s.load(4, 6);
    const run = await s.pull();
    expect(run.code, run.stderr).toBe(0);
    expect(run.doc).toMatchObject({ mode: 'incremental', restated: [{ start: DAYS[4], end: DAYS[5] }] });
    expect(run.doc.instruments).toMatchObject({
      rewritten: 3,
      appended: 0,
      new: 0,
      linked: CODES.length - 3,
    });
    const affected = /^(sh600002\/|sh600003\/roc5|sh600004\/)/;
    const after = fileBytes(s.dir);
    for (const [file, bytes] of before) {
      const now = after.get(file) as Buffer;
      expect(now.length, file).toBe(bytes.length);
      const changed = [...Array(bytes.length / 4).keys()].filter(
        (k) => !now.subarray(4 * k, 4 * k + 4).equals(bytes.subarray(4 * k, 4 * k + 4)),
      );
      // Element 0 is the start index; element k is calendar day start + k - 1.
      const start = bytes.readFloatLE(0);
      const days = changed.map((k) => DAYS[start + k - 1]);
      if (affected.test(file)) {
        if (/kmid|roc5/.test(file)) expect(changed.length, file).toBeGreaterThan(0);
        expect(
          days.every((d) => d === DAYS[4] || d === DAYS[5]),
          file,
        ).toBe(true);
      } else expect(changed, file).toEqual([]);
    }
    expect(readProvider(s.dir)).toEqual(s.expected());
  });

  it('retries 503s and dropped connections through to the same files', async () => {
    const s = await scenario('retry');
    let n = 0;
    const target = new URL(api.base);
    const flaky = createServer((req, res) => {
      n += 1;
      if (n % 3 === 1) {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end('{"error":{"code":"UNAVAILABLE","message":"try again shortly"}}');
        return;
      }
      if (n % 3 === 2) {
        req.socket.destroy();
        return;
      }
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    await new Promise<void>((r) => flaky.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(flaky.address() as AddressInfo).port}`;
      const to = join(work, 'retry', 'through-proxy');
      const run = await s.run(['pull', '--dataset', s.dataset, '--to', to], { QLIB_SYNC_API_URL: url });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toContain('"msg":"retrying"');
      expect(readProvider(to)).toEqual(s.expected());
      const once = await s.run(
        ['pull', '--dataset', s.dataset, '--to', join(work, 'retry', 'once'), '--retries', '1'],
        {
          QLIB_SYNC_API_URL: url,
        },
      );
      expect(once.code).toBe(5);
      expect(once.doc.hint).toMatch(/^the HTTP API could not be reached/);
    } finally {
      flaky.close();
    }
  });

  it('--market pulls the members only and writes the market file as the API serves it', async () => {
    const s = await scenario('market');
    const admin = await api.token(['admin'], 'market-admin');
    const text = `SH600001\t2025-03-03\t2025-03-07\nSH600001\t2025-03-10\t2025-03-14\nSZ000001\t2025-03-03\t2025-03-14\n`;
    const put = await api.call('/v1/markets/pull_test', admin, {
      method: 'PUT',
      headers: { 'content-type': 'text/plain' },
      body: text,
    });
    expect(put.status).toBeLessThan(300);
    const to = join(work, 'market', 'members');
    const run = await s.pull(to, '--market', 'pull_test', '--fields', 'kmid,ROC5');
    expect(run.code, run.stderr).toBe(0);
    const view = readProvider(to);
    expect(Object.keys(view.instruments)).toEqual(['SH600001', 'SZ000001']);
    expect(Object.keys(view.values).sort()).toEqual([
      'sh600001/kmid.day.bin',
      'sh600001/roc5.day.bin',
      'sz000001/kmid.day.bin',
      'sz000001/roc5.day.bin',
    ]);
    const all = s.expected();
    for (const file of Object.keys(view.values)) expect(view.values[file], file).toEqual(all.values[file]);
    expect(readFileSync(join(to, 'instruments', 'pull_test.txt'), 'utf8')).toBe(
      await (await api.call('/v1/markets/pull_test?format=txt', token)).text(),
    );
  });

  it('refuses a bad token, a missing API URL, an unknown field and a directory another tool wrote', async () => {
    const s = await scenario('refusals');
    const pull = ['pull', '--dataset', s.dataset, '--to', join(work, 'refusals', 'x')];
    expect((await s.run(pull, { QLIB_SYNC_API_TOKEN: 'qct_000000000000_nope' })).code).toBe(3);
    expect((await s.run(pull, { QLIB_SYNC_API_URL: '' })).code).toBe(3);
    const unknown = await s.run([...pull, '--fields', 'KMID,nope']);
    expect(unknown.code).toBe(4);
    expect(unknown.doc.error.message).toContain('nope');
    const foreign = join(work, 'refusals', 'foreign');
    mkdirSync(join(foreign, 'features'), { recursive: true });
    const refused = await s.run(['pull', '--dataset', s.dataset, '--to', foreign]);
    expect(refused.code).toBe(3);
    expect(refused.doc.error.code).toBe('PULL_DIR_FOREIGN');
    expect(
      (await s.run(['pull', '--dataset', 'no_such_dataset', '--to', join(work, 'refusals', 'y')])).code,
    ).toBe(3);
  });

  it('--start writes the calendar from that day; a column the dataset gains joins a pull without --fields', async () => {
    const s = await scenario('shape');
    const late = join(work, 'shape', 'from-day-4');
    const run = await s.pull(late, '--start', DAYS[4] as string);
    expect(run.code, run.stderr).toBe(0);
    expect(readProvider(late)).toEqual(expectedView(s.data, CODES, DAYS.slice(4, 10)));
    // Day 10 arrives with a new column: the directory pulled every column, so it gets the new one too.
    const columns = [...COLUMNS, { name: 'NEW1', type: 'float32' as const }];
    const writer = new CsvRowWriter({ kind: 'factors', columns });
    writer.header();
    s.rows(10, 11, 1);
    for (const [code, values] of s.data.get(DAYS[10] as string) ?? []) {
      writer.row(
        DAYS[10] as string,
        code,
        Float64Array.from([...values, 0.5], (v) => v ?? Number.NaN),
      );
    }
    const rows = s.data.get(DAYS[10] as string)?.size ?? 0;
    const batch = makeBatch({
      dataset: s.dataset,
      columns,
      csv: writer.take().toString('latin1'),
      rowCount: rows,
      dateRange: { start: DAYS[10] as string, end: DAYS[10] as string },
    });
    expect((await api.push(batch)).status).toBe('loaded');
    const grown = await s.pull();
    expect(grown.code, grown.stderr).toBe(0);
    expect(grown.doc).toMatchObject({ mode: 'full', why: 'the fields, --start or --market changed' });
    const view = readProvider(s.dir);
    expect(view.values['sh600000/new1.day.bin']).toEqual({ [DAYS[10] as string]: float32Bits(0.5) });
    const { values, ...rest } = s.expected();
    expect({
      ...view,
      values: Object.fromEntries(Object.entries(view.values).filter(([f]) => !f.includes('new1'))),
    }).toEqual({ ...rest, values });
  });

  it('--verify passes on a good copy and names the file whose byte was flipped', async () => {
    const s = await scenario('verify');
    const good = await s.pull(s.dir, '--verify');
    expect(good.code, good.stderr).toBe(0);
    expect(good.doc).toMatchObject({ ok: true, differ: [] });
    const victim = join(s.dir, 'features', 'sh600003', 'roc5.day.bin');
    const flipped = readFileSync(victim);
    flipped[9] = (flipped[9] as number) ^ 0x01;
    writeFileSync(victim, flipped);
    const bad = await s.pull(s.dir, '--verify');
    expect(bad.code).toBe(4);
    expect(bad.doc.differ.map((d: { file: string }) => d.file)).toEqual(['features/sh600003/roc5.day.bin']);
    rmSync(join(s.dir, 'features', 'sh600004', 'vol.day.bin'));
    const missing = await s.pull(s.dir, '--verify');
    expect(missing.code).toBe(4);
    expect(missing.doc.differ).toContainEqual(
      expect.objectContaining({ file: 'features/sh600004/vol.day.bin', disk: null }),
    );
    expect(missing.doc.differ).toHaveLength(2);
  });

  it('a reader during a pull sees every file whole: as the old snapshot has it, or as the new one', {
    timeout: 300_000,
  }, async () => {
    const s = await scenario('readers', 150);
    const before = fileBytes(s.dir);
    const oldDays = readFileSync(join(s.dir, 'calendars', 'day.txt'), 'utf8');
    s.rows(10, 11, 1);
    await s.load(10, 11);
    s.rows(1, 3, 3, [0, 7, 42]);
    await s.load(1, 3);
    const proc = child(s.dataset, s.dir, env());
    const done = collect(proc);
    let exited = false;
    void done.then(() => {
      exited = true;
    });
    const seen: string[] = [];
    const reads = { old: 0, grown: 0, other: 0 };
    const files = [...before.keys()];
    // Read every file through DIR, again and again, while the pull runs; remember the bytes of each read.
    while (!exited) {
      for (const file of files) {
        const bytes = readFileSync(join(s.dir, 'features', file));
        const old = before.get(file) as Buffer;
        if (bytes.equals(old)) reads.old += 1;
        else if (bytes.length > old.length && bytes.subarray(0, old.length).equals(old)) reads.grown += 1;
        else seen.push(`${file} ${bytes.toString('hex')}`);
      }
      seen.push(`day.txt ${readFileSync(join(s.dir, 'calendars', 'day.txt'), 'utf8')}`);
      await new Promise((r) => setImmediate(r));
    }
    expect((await done).code).toBe(0);
    const after = fileBytes(s.dir);
    const newDays = readFileSync(join(s.dir, 'calendars', 'day.txt'), 'utf8');
    expect(readProvider(s.dir)).toEqual(s.expected());
    // Anything not the old file (or the old file with days appended past its calendar) is the new file, whole.
    for (const read of seen) {
      const [file, content] = read.split(' ') as [string, string];
      if (file === 'day.txt') expect([oldDays, newDays]).toContain(read.slice('day.txt '.length));
      else expect(content, file).toBe(after.get(file)?.toString('hex'));
    }
    expect(reads.old + reads.grown + seen.length).toBeGreaterThan(files.length);
  });

  it('a pull killed with SIGKILL at random points leaves one consistent snapshot; the next run completes', {
    timeout: 300_000,
  }, async () => {
    const s = await scenario('kill', 150);
    const old = s.expected();
    const baseline = join(work, 'kill', 'baseline');
    cpSync(s.dir, baseline, { recursive: true, verbatimSymlinks: true });
    // The next pull appends a day and rewrites a restated range.
    s.rows(10, 11, 1);
    await s.load(10, 11);
    s.rows(1, 3, 3, [0, 7, 42]);
    await s.load(1, 3);
    let fresh = s.expected();
    // How long the pull's own work takes in a child process here (from its first progress line, after the
    // process has started and the first page came in, to its exit): the kills land inside that time.
    const timed = join(work, 'kill', 'timed');
    cpSync(baseline, timed, { recursive: true, verbatimSymlinks: true });
    const whole = await collect(child(s.dataset, timed, env()));
    expect(whole.code, whole.stderr).toBe(0);
    expect(readProvider(timed)).toEqual(fresh);
    const killWindow = (whole.endedAt - (whole.firstLineAt ?? whole.endedAt)) * 1.2;
    const outcomes: string[] = [];
    for (let round = 0; round < 6; round++) {
      const target = join(work, 'kill', `round-${round}`);
      cpSync(baseline, target, { recursive: true, verbatimSymlinks: true });
      const proc = child(s.dataset, target, env());
      const done = collect(proc);
      await firstLine(proc);
      await new Promise((r) => setTimeout(r, Math.random() * killWindow));
      proc.kill('SIGKILL');
      const killed = await done;
      const seen = readProvider(target);
      expect([old, fresh], `round ${round}`).toContainEqual(seen);
      outcomes.push(
        killed.code === 0
          ? 'finished'
          : seen.days.length === old.days.length
            ? `old:${grown(baseline, target)}`
            : 'new',
      );
      // The cloud moves on before the next run (day 10 restated): what a killed run appended must not survive.
      s.rows(10, 11, 10 + round);
      await s.load(10, 11);
      fresh = s.expected();
      const rerun = await s.pull(target);
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(readProvider(target)).toEqual(fresh);
      expect((await s.pull(target, '--verify')).doc).toMatchObject({ ok: true, differ: [] });
    }
    if (process.env.PULL_TEST_LOG === '1') process.stderr.write(`kill rounds: ${outcomes.join(' ')}\n`);
  });
});

function child(dataset: string, to: string, env: Record<string, string>): ChildProcess {
  return spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'agent/cli.ts'), 'pull', '--dataset', dataset, '--to', to],
    {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}

interface Collected {
  code: number | null;
  stderr: string;
  firstLineAt: number | null;
  endedAt: number;
}

function collect(proc: ChildProcess): Promise<Collected> {
  let stderr = '';
  let firstLineAt: number | null = null;
  proc.stderr?.on('data', (chunk) => {
    firstLineAt ??= Date.now();
    stderr += chunk;
  });
  proc.stdout?.resume();
  return new Promise((r) =>
    proc.on('close', (code) => r({ code, stderr, firstLineAt, endedAt: Date.now() })),
  );
}

/** The child's first line on stderr (its first progress report), or its exit. */
function firstLine(proc: ChildProcess): Promise<void> {
  return new Promise((r) => {
    proc.stderr?.once('data', () => r());
    proc.once('close', () => r());
  });
}

/** How many committed feature files a killed pull appended to (bytes past the calendar). */
function grown(baseline: string, target: string): number {
  const before = fileBytes(baseline);
  const after = fileBytes(target);
  const g = [...before].filter(([f, b]) => (after.get(f)?.length ?? 0) > b.length);
  if (process.env.PULL_TEST_LOG === '1')
    process.stderr.write(
      `grown ${g
        .map(([f]) => f)
        .slice(0, 8)
        .join(' ')}\n`,
    );
  return g.length;
}

/** Every feature file's bytes, by `<symbol>/<file>`. */
function fileBytes(dir: string): Map<string, Buffer> {
  const view = readProvider(dir);
  return new Map(Object.keys(view.values).map((f) => [f, readFileSync(join(dir, 'features', f))]));
}
