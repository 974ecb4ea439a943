import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PipelineError, TerminalError } from '../../core/errors.js';
import type { InvocationRecord } from '../../local/fc/invocation.js';
import { type FcRuntime, startFcRuntime } from '../../local/fc/runtime.js';
import { ACCOUNT_ID, fixture, STS, tempDir } from './fc-fixtures.js';

describe('fc runtime: crashes and timeouts', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let fc: FcRuntime;
  const started: InvocationRecord[] = [];
  const hanging = new Map<string, () => void>();
  /** Resolves once the fixture handler of `requestId` is inside its never-ending wait. */
  const whenHanging = (requestId: string) => new Promise<void>((resolve) => hanging.set(requestId, resolve));

  beforeAll(async () => {
    dir = await tempDir('fc-faults');
    fc = await startFcRuntime({
      sYamlPath: fixture('faults.s.yaml'),
      env: { OUT_DIR: join(dir.path, 'out') },
      config: { AccountID: ACCOUNT_ID },
      credentials: STS,
      retryDelaysMs: [10],
      log: (line) => hanging.get(/^hanging (\S+)$/.exec(line)?.[1] ?? '')?.(),
      onInvokeStart: (record) => started.push(record),
    });
  });

  afterAll(async () => {
    await fc?.close();
    await dir?.remove();
  });

  it('fails an attempt whose instance is SIGKILLed mid-request and retries it on a fresh instance', async () => {
    const { requestId } = await fc.invoke('victim', '{"job":1}', { async: true });
    await whenHanging(requestId);
    const first = started.find((r) => r.requestId === requestId);
    expect(first?.pid).toBeGreaterThan(0);
    process.kill(first?.pid as number, 'SIGKILL');
    const attempts = await fc.waitForInvocations((r) => r.requestId === requestId, 2);
    await fc.idle();

    expect(attempts.map((a) => [a.attempt, a.status])).toEqual([
      [1, 'failed'],
      [2, 'succeeded'],
    ]);
    expect(attempts[0]?.error?.type).toBe('UnhandledInvocationError');
    expect(attempts[0]?.error?.errorMessage).toMatch(
      /^Process exited unexpectedly before completing request/,
    );
    expect(attempts[1]?.pid).not.toBe(first?.pid);
    expect(fc.instancePids('victim')).not.toContain(first?.pid);
  });

  it('kills a handler that runs past its timeout (FunctionTimeout) and retries it', async () => {
    const { requestId } = await fc.invoke('sleeper', '{}', { async: true });
    const attempts = await fc.waitForInvocations((r) => r.requestId === requestId, 2);
    await fc.idle();

    expect(attempts.map((a) => [a.attempt, a.status])).toEqual([
      [1, 'failed'],
      [2, 'succeeded'],
    ]);
    expect(attempts[0]?.error).toMatchObject({
      type: 'FunctionTimeout',
      errorMessage: 'Function time out after 1 seconds',
    });
    expect(attempts[1]?.pid).not.toBe(attempts[0]?.pid);
    expect(fc.instancePids('sleeper')).not.toContain(attempts[0]?.pid);
  });

  it('returns a thrown error of a synchronous invocation as FC does, without retrying', async () => {
    const result = await fc.invoke('thrower', '{}');
    expect(result).toMatchObject({ status: 200, ok: false });
    const body = JSON.parse(result.body.toString('utf8'));
    expect(body).toMatchObject({ errorMessage: 'boom <thrower> & more', errorType: 'TypeError' });
    expect(body.stackTrace[0]).toBe('TypeError: boom <thrower> & more');
    expect(fc.invocations().filter((r) => r.requestId === result.requestId)).toHaveLength(1);
  });

  it('refuses to invoke a function that is not in the s.yaml', async () => {
    await expect(fc.invoke('nobody', '{}')).rejects.toMatchObject({ code: 'FC_FUNCTION_NOT_FOUND' });
  });
});

describe('fc runtime: s.yaml checks', () => {
  const start = (name: string) =>
    startFcRuntime({
      sYamlPath: fixture(name),
      env: {},
      config: { AccountID: ACCOUNT_ID },
      credentials: STS,
      log: () => {},
    });

  it('refuses props that fail the fc3 schema, listing every problem', async () => {
    const error = await start('invalid.s.yaml').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TerminalError);
    expect(error).toMatchObject({ code: 'FC3_PROPS_INVALID' });
    const paths = (error as PipelineError).problems.map((p) => p.path);
    expect(paths).toEqual(['resources.bad.props.timeout', 'resources.bad.props.memorySize']);
    expect((error as Error).message).toMatch(/timeout: must be an integer in \[1, 86400\]/);
  });

  it('says which code directory is missing (the build has not run)', async () => {
    const error = await start('missing-code.s.yaml').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'FC_CODE_MISSING' });
    expect((error as Error).message).toContain(fixture('not-built-yet'));
  });
});
