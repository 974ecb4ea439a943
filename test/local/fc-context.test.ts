import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HandlerResult } from '../../local/fc/invocation.js';
import { type FcRuntime, startFcRuntime } from '../../local/fc/runtime.js';
import { ACCOUNT_ID, fixture, type Seen, STS, tempDir } from './fc-fixtures.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function json<T>(result: HandlerResult | undefined): T {
  if (result?.kind !== 'json') throw new Error(`expected a JSON result, got ${result?.kind}`);
  return result.value as T;
}

describe('fc runtime: context, environment and instances', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let out: string;
  let fc: FcRuntime;
  const logs: Array<{ fn: string; line: string }> = [];
  const logWaiters = new Set<{ match: (fn: string, line: string) => boolean; resolve: () => void }>();
  /** Function output travels over a pipe, not the IPC channel: it may land after the result does. */
  const logged = (match: (fn: string, line: string) => boolean): Promise<void> =>
    logs.some((l) => match(l.fn, l.line))
      ? Promise.resolve()
      : new Promise((resolve) => logWaiters.add({ match, resolve }));

  const start = () =>
    startFcRuntime({
      sYamlPath: fixture('context.s.yaml'),
      env: { OUT_DIR: out },
      config: { AccountID: ACCOUNT_ID },
      credentials: STS,
      log: (line, fn) => {
        logs.push({ fn, line });
        for (const waiter of logWaiters) {
          if (!waiter.match(fn, line)) continue;
          logWaiters.delete(waiter);
          waiter.resolve();
        }
      },
    });

  beforeAll(async () => {
    dir = await tempDir('fc-context');
    out = join(dir.path, 'out');
    // In the test process's environment, so a leak into the function would show.
    process.env.FC_TEST_LEAK = 'must-not-leak';
    fc = await start();
  });

  afterAll(async () => {
    delete process.env.FC_TEST_LEAK;
    await fc?.close();
    await dir?.remove();
  });

  it('passes the event as a Buffer and the context FC gives (requestId, credentials, function, region …)', async () => {
    const result = await fc.invoke('ctx', '{"ping":1}');
    expect(result).toMatchObject({ status: 200, ok: true });
    const seen = json<Seen>(result.result);
    expect(seen.eventIsBuffer).toBe(true);
    expect(seen.event).toBe('{"ping":1}');
    expect(seen.context.requestId).toBe(result.requestId);
    expect(result.requestId).toMatch(UUID);
    expect(seen.context).toMatchObject({
      credentials: STS,
      function: { name: 'ctx', handler: 'index.record', memory: 256, timeout: 7 },
      service: {
        logProject: 'fixture-project',
        logStore: 'fixture-store',
        qualifier: 'LATEST',
        versionId: '',
      },
      region: 'cn-beijing',
      accountId: ACCOUNT_ID,
    });
    expect(seen.loggerMethods).toEqual(['debug', 'error', 'info', 'log', 'warn']);
    const pattern = new RegExp(
      `^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z ${result.requestId} \\[INFO\\] recorded 10 bytes$`,
    );
    await logged((fn, line) => fn === 'ctx' && pattern.test(line));
  });

  it("gives the function exactly its environmentVariables, FC's built-ins and PATH/HOME", async () => {
    const result = await fc.invoke('ctx', '{}');
    const { env } = json<Seen>(result.result);
    const [record] = fc.invocations().filter((r) => r.requestId === result.requestId);
    expect(env.FC_TEST_LEAK).toBeUndefined();
    expect(Object.keys(env).sort()).toEqual(
      [
        'OUT_DIR',
        'GREETING',
        'FC_FUNCTION_NAME',
        'FC_FUNCTION_HANDLER',
        'FC_FUNCTION_MEMORY_SIZE',
        'FC_REGION',
        'FC_ACCOUNT_ID',
        'FC_INSTANCE_ID',
        'FC_FUNC_CODE_PATH',
        'ALIBABA_CLOUD_ACCESS_KEY_ID',
        'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
        'ALIBABA_CLOUD_SECURITY_TOKEN',
        ...['PATH', 'HOME'].filter((k) => process.env[k] !== undefined),
      ].sort(),
    );
    expect(env).toMatchObject({
      OUT_DIR: out,
      GREETING: 'hello from cn-beijing',
      FC_FUNCTION_NAME: 'ctx',
      FC_FUNCTION_HANDLER: 'index.record',
      FC_FUNCTION_MEMORY_SIZE: '256',
      FC_REGION: 'cn-beijing',
      FC_ACCOUNT_ID: ACCOUNT_ID,
      FC_INSTANCE_ID: record?.instanceId,
      ALIBABA_CLOUD_ACCESS_KEY_ID: STS.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: STS.accessKeySecret,
      ALIBABA_CLOUD_SECURITY_TOKEN: STS.securityToken,
    });
  });

  it('reuses an idle instance and runs the initializer once per instance, before its first request', async () => {
    const first = json<Seen>((await fc.invoke('ctx', '1')).result);
    const second = json<Seen>((await fc.invoke('ctx', '2')).result);
    expect(second.pid).toBe(first.pid);
    expect([first.initializeCount, second.initializeCount]).toEqual([1, 1]);
    await logged((fn, line) => fn === 'ctx' && line.endsWith('[INFO] initializer ran'));
  });

  it('starts one instance per concurrent request (no instance concurrency) and reuses them after', async () => {
    const results = await Promise.all([1, 2, 3].map(() => fc.invoke('slow', '{}')));
    const pids = new Set(results.map((r) => json<{ pid: number }>(r.result).pid));
    expect(pids.size).toBe(3);
    const again = json<{ pid: number }>((await fc.invoke('slow', '{}')).result);
    expect(pids.has(again.pid)).toBe(true);
    expect(fc.instancePids('slow').sort()).toEqual([...pids].sort());
  });

  it('loads an index.mjs ES module handler', async () => {
    const result = await fc.invoke('esm', 'hi');
    expect(json<{ module: string; event: string; requestId: string }>(result.result)).toMatchObject({
      module: 'esm',
      event: 'hi',
      requestId: result.requestId,
    });
  });

  it('fails an invocation whose handler export is missing, as FC words it', async () => {
    const result = await fc.invoke('broken', '{}');
    expect(result.ok).toBe(false);
    expect(result.error).toMatchObject({
      type: 'UnhandledInvocationError',
      errorMessage: "Handler 'nope' missing on module 'index'",
    });
  });

  it('runs preStop on idle instances when it closes', async () => {
    // A runtime of its own to close: the shared one serves the other tests, in any order.
    const own = await start();
    try {
      expect(json<Seen>((await own.invoke('ctx', '{}')).result).pid).toBeGreaterThan(0);
      const pids = own.instancePids('ctx');
      expect(pids).toHaveLength(1);
      await own.close();
      for (const pid of pids) expect(existsSync(join(out, `prestop-${pid}.json`))).toBe(true);
    } finally {
      await own.close();
    }
  });
});
