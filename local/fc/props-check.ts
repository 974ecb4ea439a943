import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Problem } from '../../core/errors.js';

/**
 * The rules of fc3's published props schema (devsapp/fc3 src/schema.json) that matter to us, in our own
 * code: required props, enums, numeric ranges, the trigger shapes. `s deploy` would refuse what this refuses.
 * The enums (runtimes, regions, trigger types, OSS events) come from the schema itself when it is on the machine
 * (fc3Lists below); the lists here are hand-copied from it, the fallback.
 */
export const FC3_RUNTIMES = [
  'custom',
  'custom-container',
  'micro-sandbox',
  'custom.debian10',
  'custom.debian11',
  'custom.debian12',
  'dotnetcore2.1',
  'dotnetcore3.1',
  'go1',
  'java11',
  'java8',
  'nodejs10',
  'nodejs12',
  'nodejs14',
  'nodejs16',
  'nodejs18',
  'nodejs20',
  'nodejs8',
  'php7.2',
  'python2.7',
  'python3',
  'python3.10',
  'python3.12',
  'python3.9',
];
export const FC3_REGIONS = [
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-south-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-5',
  'ap-southeast-7',
  'cn-beijing',
  'cn-chengdu',
  'cn-hangzhou',
  'cn-heyuan-acdr-1',
  'cn-hongkong',
  'cn-huhehaote',
  'cn-qingdao',
  'cn-shanghai',
  'cn-shanghai-cloudspe',
  'cn-shanghai-finance-1',
  'cn-shenzhen',
  'cn-wulanchabu',
  'cn-zhangjiakou',
  'eu-central-1',
  'eu-west-1',
  'me-central-1',
  'us-east-1',
  'us-west-1',
];
export const FC3_TRIGGER_TYPES = [
  'cdn_events',
  'eventbridge',
  'http',
  'log',
  'mns_topic',
  'oss',
  'tablestore',
  'timer',
];
export const FC3_OSS_EVENTS = [
  'oss:ObjectCreated:*',
  'oss:ObjectCreated:AppendObject',
  'oss:ObjectCreated:CompleteMultipartUpload',
  'oss:ObjectCreated:CopyObject',
  'oss:ObjectCreated:InitiateMultipartUpload',
  'oss:ObjectCreated:PostObject',
  'oss:ObjectCreated:PutObject',
  'oss:ObjectCreated:PutSymlink',
  'oss:ObjectCreated:UploadPart',
  'oss:ObjectCreated:UploadPartCopy',
  'oss:ObjectModified:UpdateObjectMeta',
  'oss:ObjectRemoved:AbortMultipartUpload',
  'oss:ObjectRemoved:DeleteObject',
  'oss:ObjectRemoved:DeleteObjects',
];
const HTTP_METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'];

/** The enums a check compares against, and where they came from (said in every problem and at startup). */
export interface Fc3Lists {
  /** `fc3 schema <path>`, or `hand-copied lists (<why>)` */
  source: string;
  runtimes: readonly string[];
  regions: readonly string[];
  triggerTypes: readonly string[];
  ossEvents: readonly string[];
}

const HAND_COPIED = {
  runtimes: FC3_RUNTIMES,
  regions: FC3_REGIONS,
  triggerTypes: FC3_TRIGGER_TYPES,
  ossEvents: FC3_OSS_EVENTS,
};

/**
 * Where the fc3 component's schema is on this machine: FC3_SCHEMA (a path to its schema.json), else the copy in
 * Serverless Devs' component cache once `s` has downloaded fc3 — `<home>/.s/components/devsapp.cn/v3/fc3[@<version>]/`
 * (@serverless-devs/utils getComponentCachePath), whose `dist/schema.json` is src/schema.json as published
 * (devsapp/fc3 package.json `prebuild`). The newest version wins. Undefined: neither is there.
 */
export function findFc3Schema(env: NodeJS.ProcessEnv = process.env, home = homedir()): string | undefined {
  if (env.FC3_SCHEMA !== undefined && env.FC3_SCHEMA !== '') return env.FC3_SCHEMA;
  const cache = join(home, '.s', 'components', 'devsapp.cn', 'v3');
  if (!existsSync(cache)) return undefined;
  const versions = readdirSync(cache)
    .filter((name) => /^fc3(@.+)?$/.test(name))
    .filter((name) => existsSync(join(cache, name, 'dist', 'schema.json')))
    .sort((a, b) => compareVersions(versionOf(b), versionOf(a)));
  const newest = versions[0];
  return newest === undefined ? undefined : join(cache, newest, 'dist', 'schema.json');
}

function versionOf(dir: string): number[] {
  const at = dir.indexOf('@');
  if (at < 0) return [];
  return dir
    .slice(at + 1)
    .split(/[.-]/)
    .map((part) => Number.parseInt(part, 10))
    .map((n) => (Number.isNaN(n) ? -1 : n));
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

const cached = new Map<string, Fc3Lists>();

/**
 * The enums of the fc3 schema at `path` (definitions IRuntime, IRegion, ITriggerType and IOssTriggerConfig's
 * events), or the hand-copied lists when there is no schema or it lacks one of them; `source` says which.
 */
export function fc3Lists(path: string | undefined): Fc3Lists {
  const key = path ?? '';
  let lists = cached.get(key);
  if (lists === undefined) {
    lists = readLists(path);
    cached.set(key, lists);
  }
  return lists;
}

function readLists(path: string | undefined): Fc3Lists {
  const fallback = (why: string): Fc3Lists => ({ source: `hand-copied lists (${why})`, ...HAND_COPIED });
  if (path === undefined) return fallback('no fc3 schema on this machine: set FC3_SCHEMA');
  if (!existsSync(path)) return fallback(`FC3_SCHEMA ${path} does not exist`);
  let defs: Record<string, { enum?: unknown; properties?: Record<string, { items?: { enum?: unknown } }> }>;
  try {
    defs = (JSON.parse(readFileSync(path, 'utf8')) as { definitions?: typeof defs }).definitions ?? {};
  } catch (error) {
    return fallback(`${path} is not JSON: ${(error as Error).message}`);
  }
  const strings = (v: unknown) =>
    Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
  const runtimes = strings(defs.IRuntime?.enum);
  const regions = strings(defs.IRegion?.enum);
  const triggerTypes = strings(defs.ITriggerType?.enum);
  const ossEvents = strings(defs.IOssTriggerConfig?.properties?.events?.items?.enum);
  if (!runtimes || !regions || !triggerTypes || !ossEvents)
    return fallback(`${path} has no IRuntime, IRegion, ITriggerType or OSS events enum`);
  return { source: `fc3 schema ${path}`, runtimes, regions, triggerTypes, ossEvents };
}

type Props = Record<string, unknown>;

/**
 * Check one resolved fc3 `props` object against `lists` (default: the schema on this machine, else the
 * hand-copied lists); returns every problem with its path (empty when valid).
 */
export function checkFc3Props(
  props: Props,
  at = 'props',
  lists: Fc3Lists = fc3Lists(findFc3Schema()),
): Problem[] {
  const out: Problem[] = [];
  const add = (path: string, message: string) =>
    out.push({ code: 'FC3_PROPS', path: `${at}.${path}`, message });
  const runtime = props.runtime;
  const required = ['region', 'functionName', 'runtime', 'code'];
  if (typeof runtime !== 'string' || !runtime.startsWith('custom')) required.push('handler');
  for (const key of required) if (props[key] === undefined) add(key, 'is required');
  if (props.region !== undefined && !lists.regions.includes(props.region as string))
    add('region', `is not an fc3 region (per the ${lists.source})`);
  if (runtime !== undefined && !lists.runtimes.includes(runtime as string))
    add('runtime', `is not an fc3 runtime (per the ${lists.source})`);
  if (
    props.functionName !== undefined &&
    !/^[_a-zA-Z][-_a-zA-Z0-9]{0,63}$/.test(String(props.functionName))
  ) {
    add('functionName', 'must match ^[_a-zA-Z][-_a-zA-Z0-9]{0,63}$');
  }
  checkInteger(props.timeout, 1, 86400, 'timeout', add);
  checkInteger(props.memorySize, 128, 32768, 'memorySize', add);
  if (typeof props.memorySize === 'number' && props.memorySize % 64 !== 0)
    add('memorySize', 'must be a multiple of 64');
  checkNumber(props.cpu, 0.05, 16, 'cpu', add);
  if (props.diskSize !== undefined && props.diskSize !== 512 && props.diskSize !== 10240)
    add('diskSize', 'must be 512 or 10240');
  checkEnv(props.environmentVariables, add);
  checkVpc(props.vpcConfig, add);
  checkLog(props.logConfig, add);
  checkAsync(props.asyncInvokeConfig, add);
  if (props.triggers !== undefined) {
    if (!Array.isArray(props.triggers)) add('triggers', 'must be an array');
    else for (const [i, t] of props.triggers.entries()) checkTrigger(t, `triggers[${i}]`, add, lists);
  }
  return out;
}

type Add = (path: string, message: string) => void;

function checkInteger(v: unknown, min: number, max: number, path: string, add: Add): void {
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    add(path, `must be an integer in [${min}, ${max}]`);
}

function checkNumber(v: unknown, min: number, max: number, path: string, add: Add): void {
  if (v === undefined) return;
  if (typeof v !== 'number' || v < min || v > max) add(path, `must be a number in [${min}, ${max}]`);
}

function checkEnv(env: unknown, add: Add): void {
  if (env === undefined) return;
  if (typeof env !== 'object' || env === null || Array.isArray(env)) {
    add('environmentVariables', 'must be a map');
    return;
  }
  let size = 0;
  for (const [k, v] of Object.entries(env)) {
    if (typeof v !== 'string') add(`environmentVariables.${k}`, 'must be a string');
    if (!/^[a-zA-Z][a-zA-Z0-9_]*$/.test(k))
      add(`environmentVariables.${k}`, 'names start with a letter: letters, digits, _');
    if (k.startsWith('FC_')) add(`environmentVariables.${k}`, 'FC_ names are reserved by Function Compute');
    size += k.length + String(v).length;
  }
  if (size > 4096) add('environmentVariables', `total ${size} bytes exceeds FC's 4 KB`);
}

function checkVpc(vpc: unknown, add: Add): void {
  if (vpc === undefined || vpc === 'auto') return;
  if (typeof vpc !== 'object' || vpc === null) {
    add('vpcConfig', "must be 'auto' or {vpcId, vSwitchIds, securityGroupId}");
    return;
  }
  const v = vpc as Props;
  for (const key of ['vpcId', 'vSwitchIds', 'securityGroupId'])
    if (v[key] === undefined) add(`vpcConfig.${key}`, 'is required');
  if (v.vSwitchIds !== undefined && v.vSwitchIds !== 'auto' && !Array.isArray(v.vSwitchIds))
    add('vpcConfig.vSwitchIds', 'must be a list');
}

function checkLog(log: unknown, add: Add): void {
  if (log === undefined || log === 'auto') return;
  const l = log as Props;
  if (typeof l !== 'object' || l === null || l.project === undefined || l.logstore === undefined) {
    add('logConfig', "must be 'auto' or have project and logstore");
  }
}

function checkAsync(cfg: unknown, add: Add): void {
  if (cfg === undefined) return;
  const c = cfg as Props;
  checkNumber(c.maxAsyncRetryAttempts, 0, 8, 'asyncInvokeConfig.maxAsyncRetryAttempts', add);
  checkNumber(c.maxAsyncEventAgeInSeconds, 1, 2592000, 'asyncInvokeConfig.maxAsyncEventAgeInSeconds', add);
  const dest = (c.destinationConfig ?? {}) as Record<string, { destination?: unknown } | undefined>;
  for (const kind of ['onSuccess', 'onFailure']) {
    const d = dest[kind]?.destination;
    if (d !== undefined && (typeof d !== 'string' || !/^acs:(mns|fc|eventbridge|mq):/.test(d))) {
      add(
        `asyncInvokeConfig.destinationConfig.${kind}.destination`,
        'must be an acs:mns|fc|eventbridge|mq ARN',
      );
    }
  }
}

function checkTrigger(trigger: unknown, path: string, add: Add, lists: Fc3Lists): void {
  const t = (trigger ?? {}) as Props;
  for (const key of ['triggerName', 'triggerType', 'triggerConfig'])
    if (t[key] === undefined) add(`${path}.${key}`, 'is required');
  if (t.triggerType !== undefined && !lists.triggerTypes.includes(t.triggerType as string))
    add(`${path}.triggerType`, `is not an fc3 trigger type (per the ${lists.source})`);
  const c = (t.triggerConfig ?? {}) as Props;
  if (t.triggerType === 'oss') {
    const events = c.events;
    if (!Array.isArray(events) || events.length === 0)
      add(`${path}.triggerConfig.events`, 'must be a non-empty list');
    else
      for (const [i, e] of events.entries()) {
        if (!lists.ossEvents.includes(e as string)) {
          add(
            `${path}.triggerConfig.events[${i}]`,
            `${String(e)} is not an OSS event (per the ${lists.source})`,
          );
        }
      }
    const key = ((c.filter ?? {}) as Props).key as Props | undefined;
    if (key === undefined) add(`${path}.triggerConfig.filter.key`, 'is required');
    else
      for (const k of ['prefix', 'suffix'])
        if (typeof key[k] !== 'string')
          add(`${path}.triggerConfig.filter.key.${k}`, "is required (use '' for any)");
    if (
      t.sourceArn !== undefined &&
      !/^acs:oss:[a-z0-9-]+:\d*:[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(String(t.sourceArn))
    ) {
      add(`${path}.sourceArn`, 'must be acs:oss:<region>:<account id>:<bucket>');
    }
  }
  if (t.triggerType === 'timer') {
    if (typeof c.cronExpression !== 'string') add(`${path}.triggerConfig.cronExpression`, 'is required');
    if (typeof c.enable !== 'boolean') add(`${path}.triggerConfig.enable`, 'is required (true or false)');
  }
  if (t.triggerType === 'http') {
    if (c.authType !== undefined && !['anonymous', 'function', 'jwt'].includes(c.authType as string))
      add(`${path}.triggerConfig.authType`, 'must be anonymous, function or jwt');
    if (Array.isArray(c.methods))
      for (const [i, m] of c.methods.entries()) {
        if (!HTTP_METHODS.includes(m as string))
          add(`${path}.triggerConfig.methods[${i}]`, 'is not an HTTP method');
      }
  }
}
