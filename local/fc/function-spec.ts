import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatProblems, type Problem, TerminalError } from '../../core/errors.js';
import { checkFc3Props } from './props-check.js';
import type { SYaml } from './s-yaml.js';

/** One fc3 resource, resolved and with FC's defaults applied: what the local runtime runs. */
export interface FunctionSpec {
  /** the s.yaml resource key */
  resource: string;
  name: string;
  region: string;
  runtime: string;
  handler: string;
  codeDir: string;
  timeoutSec: number;
  memoryMb: number;
  environment: Record<string, string>;
  initializer?: LifecycleHook;
  preStop?: LifecycleHook;
  async: AsyncSettings;
  triggers: TriggerSpec[];
  logProject: string;
  logStore: string;
  /** s.yaml `role`: the RAM role whose STS credentials FC hands the function (undefined: none written) */
  role?: string;
}

export interface LifecycleHook {
  handler: string;
  timeoutSec: number;
}

export interface AsyncSettings {
  maxRetries: number;
  maxAgeSec: number;
  onSuccess?: string;
  onFailure?: string;
}

export interface TriggerSpec {
  triggerName: string;
  triggerType: string;
  sourceArn?: string;
  /** as written in s.yaml: undefined (fc3 supplies the default role), '' or a name or an ARN */
  invocationRole?: string;
  triggerConfig: Record<string, unknown>;
}

// fc3 component defaults (devsapp/fc3 src/default/config.ts: timeout 3, memory 512); FC API defaults
// for async config (maxAsyncRetryAttempts 3, maxAsyncEventAgeInSeconds 86400).
const DEFAULT_TIMEOUT_SEC = 3;
const DEFAULT_MEMORY_MB = 512;
const DEFAULT_RETRIES = 3;
const DEFAULT_MAX_AGE_SEC = 86_400;

type Props = Record<string, unknown>;

/**
 * Turn every fc3 resource of a resolved s.yaml into a FunctionSpec. Props that fail the fc3 schema
 * rules are refused all at once, as `s deploy` would; so are runtimes this Node-only runtime cannot run.
 */
export function readFunctionSpecs(doc: SYaml, codeRoot: string): FunctionSpec[] {
  const problems: Problem[] = [];
  const specs: FunctionSpec[] = [];
  for (const [resource, { component, props }] of Object.entries(doc.resources)) {
    if (component !== 'fc3') continue;
    const found = checkFc3Props(props, `resources.${resource}.props`);
    if (String(props.runtime).startsWith('nodejs') === false) {
      found.push({
        code: 'FC_RUNTIME_UNSUPPORTED',
        path: `resources.${resource}.props.runtime`,
        message: `the local runtime runs nodejs* functions only, not ${String(props.runtime)}`,
      });
    }
    problems.push(...found);
    if (found.length === 0) specs.push(toSpec(resource, props, codeRoot));
  }
  if (problems.length > 0) {
    throw new TerminalError('FC3_PROPS_INVALID', formatProblems('s.yaml is not deployable', problems), {
      problems,
    });
  }
  return specs;
}

/** Code directories that do not exist (FC would fail the deploy; locally: the build has not run). */
export function missingCode(specs: readonly FunctionSpec[]): FunctionSpec[] {
  return specs.filter((s) => !existsSync(s.codeDir));
}

function toSpec(resource: string, props: Props, codeRoot: string): FunctionSpec {
  const lifecycle = (props.instanceLifecycleConfig ?? {}) as Record<string, Props | undefined>;
  const timeoutSec = (props.timeout as number | undefined) ?? DEFAULT_TIMEOUT_SEC;
  const region = props.region as string;
  const name = props.functionName as string;
  return {
    resource,
    name,
    region,
    runtime: props.runtime as string,
    handler: props.handler as string,
    codeDir: resolve(codeRoot, props.code as string),
    timeoutSec,
    memoryMb: (props.memorySize as number | undefined) ?? DEFAULT_MEMORY_MB,
    environment: { ...((props.environmentVariables ?? {}) as Record<string, string>) },
    initializer: hook(lifecycle.initializer, timeoutSec),
    preStop: hook(lifecycle.preStop, timeoutSec),
    async: asyncSettings(props.asyncInvokeConfig as Props | undefined),
    triggers: ((props.triggers ?? []) as Props[]).map((t) => ({
      triggerName: t.triggerName as string,
      triggerType: t.triggerType as string,
      sourceArn: t.sourceArn as string | undefined,
      invocationRole: t.invocationRole as string | undefined,
      triggerConfig: (t.triggerConfig ?? {}) as Record<string, unknown>,
    })),
    ...logTarget(props.logConfig, region),
    ...(typeof props.role === 'string' && props.role !== '' ? { role: props.role } : {}),
  };
}

function hook(raw: Props | undefined, fallbackTimeout: number): LifecycleHook | undefined {
  if (raw === undefined || typeof raw.handler !== 'string' || raw.handler === '') return undefined;
  return { handler: raw.handler, timeoutSec: (raw.timeout as number | undefined) ?? fallbackTimeout };
}

function asyncSettings(raw: Props | undefined): AsyncSettings {
  const dest = (raw?.destinationConfig ?? {}) as Record<string, { destination?: string } | undefined>;
  return {
    maxRetries: (raw?.maxAsyncRetryAttempts as number | undefined) ?? DEFAULT_RETRIES,
    maxAgeSec: (raw?.maxAsyncEventAgeInSeconds as number | undefined) ?? DEFAULT_MAX_AGE_SEC,
    onSuccess: dest.onSuccess?.destination,
    onFailure: dest.onFailure?.destination,
  };
}

/** context.service.logProject/logStore; `logConfig: auto` gets fc3's generated names (an approximation). */
function logTarget(raw: unknown, region: string): { logProject: string; logStore: string } {
  if (raw === 'auto') return { logProject: `serverless-${region}-local`, logStore: 'default-logs' };
  if (typeof raw === 'object' && raw !== null) {
    const l = raw as Props;
    return { logProject: String(l.project ?? ''), logStore: String(l.logstore ?? '') };
  }
  return { logProject: '', logStore: '' };
}
