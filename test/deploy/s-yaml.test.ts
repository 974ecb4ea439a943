import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FUNCTION_ENV_KEYS } from '../../core/config.js';
import { parseSchedule } from '../../local/fc/cron.js';
import { checkFc3Props } from '../../local/fc/props-check.js';
import { loadSYaml, resolveSYaml } from '../../local/fc/s-yaml.js';

const S_YAML = resolve(import.meta.dirname, '../../s.yaml');
const DEPLOY_ENV = {
  REGION: 'cn-shanghai',
  OSS_BUCKET: 'qlib-batches',
  MYSQL_URL: 'mysql://loader:secret@rm-xyz.mysql.rds.aliyuncs.com:3306/qlib',
  FC_ROLE_ARN: 'acs:ram::1234567890:role/qlib-ingest',
  VPC_ID: 'vpc-abc',
  VSWITCH_ID: 'vsw-abc',
  SECURITY_GROUP_ID: 'sg-abc',
};
const CONFIG = { AccountID: '1234567890' };

async function load() {
  return loadSYaml(S_YAML, { env: DEPLOY_ENV, config: CONFIG });
}

describe('s.yaml', () => {
  it('is edition 3 with fc3 resources whose props satisfy the fc3 schema rules', async () => {
    const doc = await load();
    expect(doc.edition).toBe('3.0.0');
    const resources = Object.entries(doc.resources);
    expect(resources.length).toBeGreaterThan(0);
    for (const [name, resource] of resources) {
      expect(resource.component).toBe('fc3');
      expect(checkFc3Props(resource.props, `resources.${name}.props`)).toEqual([]);
    }
  });

  it('deploys ingest on nodejs20 with explicit timeout, memory, VPC, role, logs and async retries, then the failure queue', async () => {
    const props = (await load()).resources.ingest?.props as Record<string, unknown>;
    expect(props).toMatchObject({
      region: 'cn-shanghai',
      runtime: 'nodejs20',
      handler: 'index.handler',
      code: './dist/functions/ingest',
      role: 'acs:ram::1234567890:role/qlib-ingest',
      logConfig: 'auto',
      vpcConfig: { vpcId: 'vpc-abc', vSwitchIds: ['vsw-abc'], securityGroupId: 'sg-abc' },
      asyncInvokeConfig: {
        maxAsyncRetryAttempts: 3,
        maxAsyncEventAgeInSeconds: 86400,
        destinationConfig: {
          onFailure: { destination: 'acs:mns:cn-shanghai::/queues/qlib-failures/messages' },
        },
      },
    });
    expect(typeof props.timeout).toBe('number');
    expect(typeof props.memorySize).toBe('number');
  });

  it('triggers ingest on the manifest only, for exactly the three whole-object events', async () => {
    const props = (await load()).resources.ingest?.props as { triggers: Record<string, unknown>[] };
    const oss = props.triggers.filter((t) => t.triggerType === 'oss');
    expect(oss).toHaveLength(1);
    expect(oss[0]).toMatchObject({
      sourceArn: 'acs:oss:cn-shanghai:1234567890:qlib-batches',
      triggerConfig: {
        events: [
          'oss:ObjectCreated:PutObject',
          'oss:ObjectCreated:PostObject',
          'oss:ObjectCreated:CompleteMultipartUpload',
        ],
        filter: { key: { prefix: 'incoming/', suffix: 'manifest.json' } },
      },
    });
  });

  it('declares exactly the environment keys the config module reads, for every function', async () => {
    const doc = await load();
    for (const resource of Object.values(doc.resources)) {
      const env = resource.props.environmentVariables as Record<string, string>;
      expect(Object.keys(env).sort()).toEqual([...FUNCTION_ENV_KEYS].sort());
    }
  });

  it('fills optional settings from defaults and takes required ones from the environment', async () => {
    const env = (await load()).resources.ingest?.props.environmentVariables as Record<string, string>;
    expect(env).toMatchObject({
      OSS_BUCKET: 'qlib-batches',
      OSS_REGION: 'cn-shanghai',
      LOAD_MODE: 'auto',
      OSS_ENDPOINT: '',
    });
    const { MYSQL_URL: _, ...missing } = DEPLOY_ENV;
    await expect(loadSYaml(S_YAML, { env: missing, config: CONFIG })).rejects.toMatchObject({
      code: 'S_YAML_INVALID',
    });
  });
});

describe('s.yaml: the monitor', () => {
  it('runs qlib-monitor on a timer every 10 minutes, Shanghai time, with the interval its watcher expects', async () => {
    const props = (await load()).resources.monitor?.props as Record<string, unknown> & {
      triggers: Record<string, unknown>[];
      environmentVariables: Record<string, string>;
    };
    expect(props).toMatchObject({
      functionName: 'qlib-monitor',
      runtime: 'nodejs20',
      code: './dist/functions/monitor',
      handler: 'index.handler',
      vpcConfig: { vpcId: 'vpc-abc' },
      asyncInvokeConfig: {
        destinationConfig: {
          onFailure: { destination: 'acs:mns:cn-shanghai::/queues/qlib-failures/messages' },
        },
      },
    });
    expect(props.triggers).toEqual([
      expect.objectContaining({
        triggerType: 'timer',
        triggerConfig: expect.objectContaining({
          cronExpression: 'CRON_TZ=Asia/Shanghai 0 */10 * * * *',
          enable: true,
        }),
      }),
    ]);
    const schedule = parseSchedule('CRON_TZ=Asia/Shanghai 0 */10 * * * *');
    const first = schedule.next(new Date('2024-01-29T09:55:00Z'));
    const gap = (schedule.next(first).getTime() - first.getTime()) / 60_000;
    expect(String(gap)).toBe(props.environmentVariables.MONITOR_INTERVAL_MINUTES);
  });
});

describe('the fc3 props check', () => {
  const base = {
    region: 'cn-hangzhou',
    functionName: 'f',
    runtime: 'nodejs20',
    code: './x',
    handler: 'index.handler',
  };

  it('accepts a minimal function', () => {
    expect(checkFc3Props(base)).toEqual([]);
  });

  it.each([
    [{ runtime: 'nodejs22' }, 'props.runtime'],
    [{ region: 'mars-1' }, 'props.region'],
    [{ handler: undefined }, 'props.handler'],
    [{ timeout: 0 }, 'props.timeout'],
    [{ timeout: 86401 }, 'props.timeout'],
    [{ memorySize: 100 }, 'props.memorySize'],
    [{ memorySize: 1000 }, 'props.memorySize'],
    [{ diskSize: 1024 }, 'props.diskSize'],
    [{ cpu: 32 }, 'props.cpu'],
    [{ functionName: '1bad$name' }, 'props.functionName'],
    [{ environmentVariables: { FC_X: 'a' } }, 'props.environmentVariables.FC_X'],
    [{ vpcConfig: { vpcId: 'v' } }, 'props.vpcConfig.vSwitchIds'],
    [{ logConfig: { project: 'p' } }, 'props.logConfig'],
    [{ asyncInvokeConfig: { maxAsyncRetryAttempts: 9 } }, 'props.asyncInvokeConfig.maxAsyncRetryAttempts'],
    [
      { asyncInvokeConfig: { destinationConfig: { onFailure: { destination: 'topic' } } } },
      'props.asyncInvokeConfig.destinationConfig.onFailure.destination',
    ],
    [
      { triggers: [{ triggerName: 't', triggerType: 'ftp', triggerConfig: {} }] },
      'props.triggers[0].triggerType',
    ],
    [
      {
        triggers: [
          {
            triggerName: 't',
            triggerType: 'oss',
            triggerConfig: { events: ['oss:ObjectCreated:PutObject'], filter: { key: { prefix: 'a/' } } },
          },
        ],
      },
      'props.triggers[0].triggerConfig.filter.key.suffix',
    ],
    [
      {
        triggers: [
          {
            triggerName: 't',
            triggerType: 'oss',
            triggerConfig: {
              events: ['ObjectCreated:PutObject'],
              filter: { key: { prefix: '', suffix: '' } },
            },
          },
        ],
      },
      'props.triggers[0].triggerConfig.events[0]',
    ],
    [
      {
        triggers: [
          { triggerName: 't', triggerType: 'timer', triggerConfig: { cronExpression: '0 * * * * *' } },
        ],
      },
      'props.triggers[0].triggerConfig.enable',
    ],
  ])('rejects %j at %s', (patch, path) => {
    const problems = checkFc3Props({ ...base, ...patch });
    expect(problems.map((p) => p.path)).toContain(path);
  });

  it('resolves whole-value references to objects and embedded ones to text', () => {
    const doc = resolveSYaml(
      {
        edition: '3.0.0',
        name: 'x',
        vars: { region: "${env('R', 'cn-beijing')}", env: { A: "${config('AccountID')}" } },
        resources: {
          f: {
            component: 'fc3',
            props: {
              region: '${vars.region}',
              environmentVariables: '${vars.env}',
              description: 'in ${vars.region}!',
            },
          },
        },
      },
      { env: {}, config: { AccountID: '42' } },
    );
    expect(doc.resources.f?.props).toEqual({
      region: 'cn-beijing',
      environmentVariables: { A: '42' },
      description: 'in cn-beijing!',
    });
  });
});
