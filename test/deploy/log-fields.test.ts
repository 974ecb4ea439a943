import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TokenStore } from '../../adapters/warehouse/api-tokens.js';
import { startLocalStack } from '../../local/stack.js';
import { LOG_FIELDS, renderSlsIndex, type SlsType } from '../../scripts/deploy/log-index.js';
import { SLS_INDEX } from '../../scripts/deploy/policies.js';
import { floatColumns, makeBatch } from '../ingest/batch-builder.js';
import { ossClient } from '../ingest/harness.js';
import { FUNCTION, startStackEnv } from '../ingest/stack-harness.js';
import { createTestDatabase } from '../support/mysql.js';

/** Does a JSON value fit the SLS type its field is indexed as? (SLS has no boolean: true/false index as text.) */
function fits(type: SlsType, value: unknown): boolean {
  switch (type) {
    case 'text':
      return typeof value === 'string' || typeof value === 'boolean';
    case 'long':
      return Number.isInteger(value);
    case 'double':
      return typeof value === 'number';
    case 'json':
      return typeof value === 'object' && value !== null;
  }
}

describe('log lines as SLS indexes them', () => {
  it('deploy/sls-index.json is the index the field table renders', () => {
    expect(JSON.parse(readFileSync(SLS_INDEX, 'utf8'))).toEqual(renderSlsIndex());
  });

  it('every line ingest writes is one JSON object whose fields are declared, with their declared types', async () => {
    const env = await startStackEnv('log_fields', { env: { LOG_LEVEL: 'debug' } });
    try {
      const rows = (v: number) =>
        ['SH600000', 'SH600001'].map((instrument) => ({ date: '2024-03-01', instrument, values: [v] }));
      const batch = (v: number, patch?: Parameters<typeof makeBatch>[0]['patch']) =>
        makeBatch({
          dataset: 'logs_x',
          columns: floatColumns(1),
          rows: rows(v),
          ...(patch ? { patch } : {}),
        });
      const broken = batch(3, (m) => {
        m.payload.sha256 = '0'.repeat(64);
      });
      // loaded, duplicate, restated, rejected: every outcome's lines
      for (const [i, b] of [batch(1), batch(1), batch(2), broken].entries()) {
        await env.upload(b);
        await env.stack.fc.waitForInvocations(
          (r) => r.fn === FUNCTION && r.status === 'succeeded',
          i + 1,
          60_000,
        );
      }
    } finally {
      await env.close();
    }
    expect(env.logs.length).toBeGreaterThan(10);
    expect(problemsOf(env.logs, ['time', 'level', 'msg', 'fn', 'requestId'])).toEqual([]);
  });

  it('so is every line the monitor, the api and the alert relay write, their preStop hooks’ included', {
    timeout: 120_000,
  }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'log-fields-'));
    const db = await createTestDatabase('log_fields_fns');
    const robot = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"errcode":0}'));
    });
    await new Promise<void>((r) => robot.listen(0, '127.0.0.1', r));
    const lines = new Map<string, string[]>();
    const stack = await startLocalStack({
      stateDir: join(dir, 'state'),
      mysqlUrl: db.url,
      env: {
        LOG_LEVEL: 'debug',
        REDRIVE_AFTER_MINUTES: '0',
        RELAY_TOKEN: 'relay-token',
        RELAY_WECOM_URL: `http://127.0.0.1:${(robot.address() as AddressInfo).port}/cgi-bin/webhook/send`,
      },
      retryDelaysMs: [100],
      log: (line, fn) => lines.set(fn, [...(lines.get(fn) ?? []), line]),
    });
    try {
      // A batch loaded, and one whose event was lost (its manifest copied in): the monitor re-drives it.
      const client = ossClient(stack.oss.url, stack.bucket, stack.credentials);
      const rows = [{ date: '2024-03-01', instrument: 'SH600000', values: [1] }];
      const loaded = makeBatch({ dataset: 'logs_fn', columns: floatColumns(1), rows });
      await client.put(loaded.payloadKey, loaded.payload);
      await client.put(loaded.manifestKey, Buffer.from(loaded.manifestText));
      await stack.fc.waitForInvocations((r) => r.fn === FUNCTION && r.status === 'succeeded', 1, 60_000);
      const lost = makeBatch({ dataset: 'logs_lost', columns: floatColumns(1), rows });
      await client.put(lost.payloadKey, lost.payload);
      await client.put('staging/m.json', Buffer.from(lost.manifestText));
      await client.copy(lost.manifestKey, 'staging/m.json');
      expect((await stack.fc.invoke('qlib-monitor', '{}')).ok).toBe(true);
      await stack.fc.waitForInvocations((r) => r.fn === FUNCTION && r.trigger === 'api', 1, 60_000);

      const api = stack.fc.httpUrl('qlib-api') as string;
      const admin = (await new TokenStore(db.pool).create('ops', ['admin'], null)).token;
      const auth = { authorization: `Bearer ${admin}` };
      expect((await fetch(`${api}/v1/health`, { headers: auth })).status).toBe(200);
      expect((await fetch(`${api}/v1/datasets`)).status).toBe(401);
      const patch = await fetch(`${api}/v1/datasets/logs_fn`, {
        method: 'PATCH',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ contract: 'freeze' }),
      });
      expect(patch.status).toBe(200);

      const message = {
        summary: 'logs_fn is late',
        severity: 'warn',
        transition: 'opened',
        what: ['no batch today'],
        where: { dataset: 'logs_fn' },
        whatToDo: ['push it'],
      };
      const relayed = await fetch(`${stack.fc.httpUrl('qlib-alert-relay')}/relay?token=relay-token`, {
        method: 'POST',
        body: JSON.stringify(message),
      });
      expect(relayed.status).toBe(204);
    } finally {
      await stack.close();
      await new Promise((r) => robot.close(r));
      await db.drop();
      await rm(dir, { recursive: true, force: true });
    }
    const messages = (fn: string) => (lines.get(fn) ?? []).map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(messages('qlib-monitor')).toEqual(expect.arrayContaining(['batch re-driven', 'monitor run']));
    expect(messages('qlib-api')).toEqual(expect.arrayContaining(['request', 'dataset settings changed']));
    expect(messages('qlib-alert-relay')).toEqual(['relayed']);
    // Closing the stack stops the instances: FC's preStop ends each pool once (s.yaml instanceLifecycleConfig).
    for (const fn of ['qlib-monitor', 'qlib-api'])
      expect(
        messages(fn).filter((m) => m === 'instance stopping: database pool closed'),
        fn,
      ).toHaveLength(1);
    for (const fn of ['qlib-monitor', 'qlib-api']) {
      expect(problemsOf(lines.get(fn) ?? [], ['time', 'level', 'msg', 'fn', 'requestId'])).toEqual([]);
    }
    // The relay has no database and no request id of its own to log; its lines are declared all the same.
    expect(problemsOf(lines.get('qlib-alert-relay') ?? [], ['time', 'level', 'msg', 'fn'])).toEqual([]);
  });
});

/** Each line one JSON object with the `required` fields, every field declared and of its declared type. */
function problemsOf(lines: readonly string[], required: readonly string[]): string[] {
  const problems: string[] = [];
  for (const line of lines) {
    const entry = JSON.parse(line) as Record<string, unknown>;
    for (const key of required) if (!(key in entry)) problems.push(`no ${key}: ${line}`);
    for (const [key, value] of Object.entries(entry)) {
      const declared = LOG_FIELDS[key];
      if (declared === undefined) problems.push(`undeclared field ${key}: ${line}`);
      else if (!fits(declared.type, value)) problems.push(`${key} is not ${declared.type}: ${line}`);
    }
  }
  return problems;
}
