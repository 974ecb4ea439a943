import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HandlerResult } from '../../local/fc/invocation.js';
import { type FcRuntime, roleName, startFcRuntime } from '../../local/fc/runtime.js';
import { ACCOUNT_ID, fixture, type Seen, STS, tempDir } from './fc-fixtures.js';

const READER = {
  accessKeyId: 'STS.reader-role',
  accessKeySecret: 'reader-secret',
  securityToken: 'reader-token',
};
const WRITER = {
  accessKeyId: 'STS.writer-role',
  accessKeySecret: 'writer-secret',
  securityToken: 'writer-token',
};

function seen(result: HandlerResult | undefined): Seen {
  if (result?.kind !== 'json') throw new Error(`expected a JSON result, got ${result?.kind}`);
  return result.value as Seen;
}

/** Each function runs with the STS credentials of the role its s.yaml `role` names, as FC gives them. */
describe('fc runtime: each function its own role’s credentials', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let fc: FcRuntime;

  beforeAll(async () => {
    dir = await tempDir('fc-roles');
    fc = await startFcRuntime({
      sYamlPath: fixture('roles.s.yaml'),
      env: { OUT_DIR: join(dir.path, 'out') },
      config: { AccountID: ACCOUNT_ID },
      credentials: STS,
      roleCredentials: new Map([
        ['Fn-Reader', READER],
        ['fn-writer', WRITER],
      ]),
      log: () => {},
    });
  });

  afterAll(async () => {
    await fc?.close();
    await dir?.remove();
  });

  it('hands a function its role’s credentials in the context and in ALIBABA_CLOUD_*, by role name or ARN', async () => {
    for (const [fn, expected] of [
      ['reader', READER],
      ['writer', WRITER],
    ] as const) {
      const s = seen((await fc.invoke(fn, '{}')).result);
      expect(s.context.credentials, fn).toEqual(expected);
      expect(s.env.ALIBABA_CLOUD_ACCESS_KEY_ID, fn).toBe(expected.accessKeyId);
      expect(s.env.ALIBABA_CLOUD_SECURITY_TOKEN, fn).toBe(expected.securityToken);
    }
  });

  it('gives a function whose role has no credentials here, or that names none, the default ones', async () => {
    for (const fn of ['unknown', 'none'])
      expect(seen((await fc.invoke(fn, '{}')).result).context.credentials, fn).toEqual(STS);
  });

  it('reads a role’s name from its ARN, case-insensitively as RAM does', () => {
    expect(roleName(`acs:ram::${ACCOUNT_ID}:role/Fn-Reader`)).toBe('fn-reader');
    expect(roleName('fn-writer')).toBe('fn-writer');
  });
});
