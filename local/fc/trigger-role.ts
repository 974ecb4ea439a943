/**
 * The OSS trigger's invocation role, as `s deploy` hands it to FC and as FC's CreateTrigger accepts it.
 *
 * fc3 (devsapp/fc3 src/base.ts `handlePreRun`, `_handleRole`, `_handleDefaultTriggerRole`):
 *   - invocationRole absent        → it gets or creates the console's default OSS trigger role;
 *   - a bare name (`my-role`)      → completed to acs:ram::<account>:role/<name>, lower-cased;
 *   - an ARN                       → lower-cased, sent as is;
 *   - '' (an unset env var)        → sent as is: fc3 neither completes it nor creates the default.
 * CreateTrigger requires a role for an OSS trigger (the OSS service assumes it to invoke the function), in
 * the form acs:ram::<account id>:role/<role name> (https://help.aliyun.com/zh/functioncompute/fc-3-0/developer-reference/api-fc-2023-03-30-createtrigger).
 */

/** The role fc3 creates (or reuses) when an OSS trigger names none (devsapp/fc3 `initFcOssTriggerRole`). */
export const DEFAULT_OSS_TRIGGER_ROLE = 'aliyunosseventnotificationrole';

// RAM role names: 1–64 letters, digits, '.', '-' (https://help.aliyun.com/zh/ram/developer-reference/api-ram-2015-05-01-createrole).
const ROLE_ARN = /^acs:ram::\d+:role\/[a-z0-9.-]{1,64}$/;

/** What fc3 sends CreateTrigger as `invocationRole` for an OSS trigger written as `written`. */
export function deployedTriggerRole(written: string | undefined, accountId: string): string {
  if (written === undefined) return `acs:ram::${accountId}:role/${DEFAULT_OSS_TRIGGER_ROLE}`;
  if (written === '' || written.startsWith('acs:ram::')) return written.toLowerCase();
  return `acs:ram::${accountId}:role/${written}`.toLowerCase();
}

/** Why CreateTrigger would refuse this role, or undefined when it has the right form. */
export function invocationRoleProblem(role: string): string | undefined {
  if (role === '') {
    return 'invocationRole is empty: FC needs a role OSS can assume to invoke the function (set OSS_TRIGGER_ROLE, docs/deploy.md)';
  }
  if (!ROLE_ARN.test(role))
    return `invocationRole ${JSON.stringify(role)} is not acs:ram::<account id>:role/<role name>`;
  return undefined;
}
