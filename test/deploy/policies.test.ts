import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSYaml } from '../../local/fc/s-yaml.js';
import { parseRamPolicy } from '../../local/ram/policy.js';
import { DEFAULT_NAMES, IDENTITIES } from '../../scripts/deploy/access.js';
import { filesOf, RAM_DIR, renderAll } from '../../scripts/deploy/policies.js';

const ROOT = resolve(import.meta.dirname, '../..');
const ENV = {
  OSS_BUCKET: 'b',
  MYSQL_URL: 'mysql://u@h/d',
  FC_ROLE_ARN: 'acs:ram::1:role/qlib-ingest',
  VPC_ID: 'v',
  VSWITCH_ID: 's',
  SECURITY_GROUP_ID: 'g',
};
/** The identities whose OSS and KMS grants test/deploy/least-privilege.test.ts runs with enforcement on. */
const ENFORCED_RUN = ['agent-user', 'fc-ingest-role', 'fc-monitor-role'];
/** Grants for code another branch adds: each named here, so one does not stay pending unnoticed. */
const PENDING: string[][] = [];

/**
 * What deploying this s.yaml needs from the deployer, derived from its resolved props: every function needs the
 * function calls of fc3's deploy (devsapp/fc3 src/subCommands/deploy/impl/function.ts, plan, remove) and the code
 * upload (uploadCodeToTmpOss → GetTempBucketToken); each setting below adds its own.
 */
const ALWAYS = [
  'fc:GetFunction',
  'fc:CreateFunction',
  'fc:UpdateFunction',
  'fc:DeleteFunction',
  'fc:ListFunctions',
  'fc:GetTempBucketToken',
  'fc:GetConcurrencyConfig',
  'fc:GetProvisionConfig',
  'fc:GetScalingConfig',
  'fc:ListVpcBindings',
];
const BY_PROP: Record<string, string[]> = {
  triggers: ['fc:GetTrigger', 'fc:ListTriggers', 'fc:CreateTrigger', 'fc:UpdateTrigger', 'fc:DeleteTrigger'],
  asyncInvokeConfig: [
    'fc:GetFunctionAsyncInvokeConfig',
    'fc:PutFunctionAsyncInvokeConfig',
    'fc:DeleteFunctionAsyncInvokeConfig',
    'fc:ListFunctionAsyncInvokeConfigs',
  ],
  logConfig: [
    'log:GetProject',
    'log:CreateProject',
    'log:GetLogStore',
    'log:CreateLogStore',
    'log:GetIndex',
    'log:CreateIndex',
  ],
  role: ['ram:PassRole'],
};

let props: Record<string, unknown>[];
beforeAll(async () => {
  const doc = await loadSYaml(join(ROOT, 's.yaml'), { env: ENV, config: { AccountID: '1' } });
  props = Object.values(doc.resources).map((r) => r.props);
});

const identity = (file: string) => IDENTITIES.find((i) => i.file === file) as (typeof IDENTITIES)[number];
const actionsOf = (file: string) => identity(file).grants.flatMap((g) => g.actions);

describe('deploy/ram', () => {
  it('holds exactly the documents the access table renders, each a valid RAM policy', () => {
    const expected = filesOf(renderAll());
    expect(readdirSync(RAM_DIR).sort()).toEqual([...expected.keys()].sort());
    for (const [name, text] of expected) {
      const committed = JSON.parse(readFileSync(join(RAM_DIR, name), 'utf8')) as object;
      expect(committed, `${name} is stale: npm run policies`).toEqual(JSON.parse(text));
      if (name.endsWith('.trust.json'))
        expect(committed).toMatchObject({ Statement: [{ Action: 'sts:AssumeRole' }] });
      else parseRamPolicy(committed, name);
    }
  });

  it('grants no wildcard action, and no * resource but the deployer’s FC calls (not resource-scoped in FC 3.0)', () => {
    for (const i of IDENTITIES) {
      for (const g of i.grants) {
        for (const a of g.actions) expect(a, `${i.file}`).toMatch(/^[a-z]+:[A-Za-z]+$/);
        if (g.resources.includes('*'))
          expect([i.file, g.actions.every((a) => a.startsWith('fc:'))]).toEqual(['deployer', true]);
      }
    }
  });

  it('backs every grant with its use: the enforced run (OSS, KMS), a source file that makes the call, or an s.yaml setting', () => {
    for (const i of IDENTITIES.filter((x) => x.file !== 'deployer')) {
      for (const g of i.grants.filter((x) => x.pending === undefined)) {
        const enforced = g.actions.every((a) => a.startsWith('oss:') || a.startsWith('kms:'));
        if (enforced && ENFORCED_RUN.includes(i.file)) continue;
        const evidence = g.evidence;
        expect(evidence, `${i.file}: ${g.actions.join(',')} says nothing of its use`).toBeDefined();
        if (evidence !== undefined && 'file' in evidence)
          expect(readFileSync(join(ROOT, evidence.file), 'utf8')).toContain(evidence.contains);
        else if (evidence !== undefined) {
          const present = props.some(
            (p) =>
              evidence.sYamlProp
                .split('.')
                .reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], p) !== undefined,
          );
          expect(present, `${i.file}: s.yaml has no ${evidence.sYamlProp}`).toBe(true);
        }
      }
    }
  });

  it('marks pending only the grants named here, each without evidence yet', () => {
    const pending = IDENTITIES.flatMap((i) =>
      i.grants.filter((g) => g.pending !== undefined).map((g) => [i.file, ...g.actions, ...g.resources]),
    );
    expect(pending).toEqual(PENDING);
    for (const i of IDENTITIES)
      for (const g of i.grants) if (g.pending !== undefined) expect(g.evidence).toBeUndefined();
  });

  it('gives every function its own role, as s.yaml names it, holding its own grants only', () => {
    const roles = Object.fromEntries(props.map((p) => [p.functionName as string, p.role as string]));
    expect(roles).toEqual({
      [DEFAULT_NAMES.ingest as string]: ENV.FC_ROLE_ARN,
      [DEFAULT_NAMES.monitor as string]: `acs:ram::1:role/${DEFAULT_NAMES.monitorRole}`,
      [DEFAULT_NAMES.api as string]: `acs:ram::1:role/${DEFAULT_NAMES.apiRole}`,
      [DEFAULT_NAMES.relay as string]: `acs:ram::1:role/${DEFAULT_NAMES.relayRole}`,
    });
    expect(new Set(Object.values(roles)).size).toBe(4);
    // Only the functions that call OSS, MNS, FC or KMS have grants beyond their logs.
    expect(actionsOf('fc-alert-relay-role')).toEqual(['log:PostLogStoreLogs']);
    // The api publishes nothing; it invokes ingest only for an admin's re-drive.
    expect(actionsOf('fc-api-role').filter((a) => a.startsWith('mns:') || a.startsWith('fc:'))).toEqual([
      'fc:InvokeFunction',
    ]);
    expect(actionsOf('fc-ingest-role')).not.toContain('fc:InvokeFunction');
    expect(actionsOf('fc-monitor-role')).toContain('fc:InvokeFunction');
    // FC sends an onFailure record with the role of the function that has the destination.
    for (const p of props) {
      const destination = (
        p.asyncInvokeConfig as { destinationConfig?: { onFailure?: { destination: string } } }
      )?.destinationConfig?.onFailure?.destination;
      const file = {
        [DEFAULT_NAMES.ingest as string]: 'fc-ingest-role',
        [DEFAULT_NAMES.monitor as string]: 'fc-monitor-role',
      }[p.functionName as string];
      if (destination === undefined) continue;
      expect(file, `${String(p.functionName)} has a destination`).toBeDefined();
      expect(identity(file as string).grants.some((g) => g.actions.includes('mns:SendMessage'))).toBe(true);
    }
  });

  it('lets OSS invoke exactly the function s.yaml triggers, as the role s.yaml names by default', () => {
    const triggered = props.filter((p) =>
      ((p.triggers ?? []) as { triggerType: string }[]).some((t) => t.triggerType === 'oss'),
    );
    expect(triggered.map((p) => p.functionName)).toEqual([DEFAULT_NAMES.ingest]);
    const triggers = (triggered[0]?.triggers ?? []) as { invocationRole: string }[];
    const role = triggers[0]?.invocationRole;
    expect(role).toBe(`acs:ram::1:role/${DEFAULT_NAMES.triggerRole}`);
    expect(identity('oss-trigger-role').grants.flatMap((g) => g.resources)).toEqual([
      'acs:fc:{region}:{account}:functions/{ingest}',
      'acs:fc:{region}:{account}:functions/{ingest}/*',
    ]);
  });

  it('gives the deployer what this s.yaml needs and nothing else; it may pass only our roles', () => {
    const needed = new Set(ALWAYS);
    for (const p of props)
      for (const [prop, actions] of Object.entries(BY_PROP))
        if (p[prop] !== undefined) for (const a of actions) needed.add(a);
    expect(new Set(actionsOf('deployer'))).toEqual(needed);
    const passable =
      identity('deployer').grants.find((g) => g.actions.includes('ram:PassRole'))?.resources ?? [];
    const roles = IDENTITIES.filter(
      (i) => i.trustedService === 'fc.aliyuncs.com' || i.trustedService === 'oss.aliyuncs.com',
    );
    expect(passable).toHaveLength(roles.length);
    for (const r of passable) expect(r).toMatch(/^acs:ram::\{account\}:role\/\{[a-zA-Z]+Role\}$/);
  });
});
