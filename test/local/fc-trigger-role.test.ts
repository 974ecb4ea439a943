import { describe, expect, it } from 'vitest';
import { startFcRuntime } from '../../local/fc/runtime.js';
import { deployedTriggerRole, invocationRoleProblem } from '../../local/fc/trigger-role.js';
import { ACCOUNT_ID, fixture, STS } from './fc-fixtures.js';

/** Deploy the OSS-trigger fixture with `role` as its invocationRole (undefined: the env var is unset). */
async function deploy(name: string, role?: string): Promise<unknown> {
  const env: Record<string, string> = { OUT_DIR: '/nonexistent', BUCKET: 'fc-batches' };
  if (role !== undefined) env.TRIGGER_ROLE = role;
  try {
    const fc = await startFcRuntime({
      sYamlPath: fixture(name),
      env,
      config: { AccountID: ACCOUNT_ID },
      credentials: STS,
      log: () => {},
    });
    await fc.close();
    return 'deployed';
  } catch (error) {
    return error;
  }
}

describe('fc runtime: the OSS trigger role, as CreateTrigger takes it', () => {
  it('refuses an empty invocationRole (an unset env var), as CreateTrigger does', async () => {
    const error = await deploy('trigger-role.s.yaml');
    expect(error).toMatchObject({ code: 'FC_TRIGGER_INVALID' });
    expect((error as Error).message).toMatch(/recorder\/manifest-uploaded: invocationRole is empty/);
  });

  it.each([
    ['acs:ram::not-a-number:role/x'],
    ['acs:ram::123:user/x'],
    ['acs:ram::123:role/'],
    ['role with spaces'],
  ])('refuses a malformed role %j', async (role) => {
    const error = await deploy('trigger-role.s.yaml', role);
    expect(error).toMatchObject({ code: 'FC_TRIGGER_INVALID' });
    expect((error as Error).message).toMatch(/is not acs:ram::<account id>:role\/<role name>/);
  });

  it('completes a bare role name to the account ARN and takes a full ARN, as fc3 does', async () => {
    expect(await deploy('trigger-role.s.yaml', 'qlib-oss-trigger')).toBe('deployed');
    expect(await deploy('trigger-role.s.yaml', `acs:ram::${ACCOUNT_ID}:role/Qlib-OSS-Trigger`)).toBe(
      'deployed',
    );
    expect(deployedTriggerRole('Qlib-OSS-Trigger', '42')).toBe('acs:ram::42:role/qlib-oss-trigger');
  });

  it('gives a trigger that names no role the default role fc3 creates', async () => {
    expect(await deploy('oss.s.yaml')).toBe('deployed');
    expect(deployedTriggerRole(undefined, '42')).toBe('acs:ram::42:role/aliyunosseventnotificationrole');
    expect(invocationRoleProblem(deployedTriggerRole(undefined, '42'))).toBeUndefined();
  });
});
