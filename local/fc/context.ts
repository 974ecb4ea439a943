import type { FunctionSpec } from './function-spec.js';

/**
 * The `context` FC passes to a handler, minus `logger` (the worker adds it since functions cannot cross
 * the IPC channel). Fields per https://help.aliyun.com/zh/functioncompute/context.
 */
export interface ContextData {
  requestId: string;
  credentials: { accessKeyId: string; accessKeySecret: string; securityToken: string };
  function: { name: string; handler: string; memory: number; timeout: number };
  service: { logProject: string; logStore: string; qualifier: string; versionId: string };
  region: string;
  accountId: string;
}

export interface RuntimeCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

export interface ContextSource {
  accountId: string;
  credentials: RuntimeCredentials;
}

export function contextData(spec: FunctionSpec, source: ContextSource, requestId: string): ContextData {
  const { accessKeyId, accessKeySecret, securityToken } = source.credentials;
  return {
    requestId,
    credentials: { accessKeyId, accessKeySecret, securityToken: securityToken ?? '' },
    function: { name: spec.name, handler: spec.handler, memory: spec.memoryMb, timeout: spec.timeoutSec },
    service: { logProject: spec.logProject, logStore: spec.logStore, qualifier: 'LATEST', versionId: '' },
    region: spec.region,
    accountId: source.accountId,
  };
}

/**
 * An instance's whole environment: the function's environmentVariables, FC's built-ins
 * (https://www.alibabacloud.com/help/en/functioncompute/fc/environment-variables) and PATH/HOME so
 * node itself works. Nothing else of the parent's environment leaks in.
 */
export function instanceEnv(
  spec: FunctionSpec,
  source: ContextSource,
  instanceId: string,
  host: NodeJS.ProcessEnv,
): Record<string, string> {
  const { accessKeyId, accessKeySecret, securityToken } = source.credentials;
  const env: Record<string, string> = {
    ...spec.environment,
    FC_FUNCTION_NAME: spec.name,
    FC_FUNCTION_HANDLER: spec.handler,
    FC_FUNCTION_MEMORY_SIZE: String(spec.memoryMb),
    FC_REGION: spec.region,
    FC_ACCOUNT_ID: source.accountId,
    FC_INSTANCE_ID: instanceId,
    FC_FUNC_CODE_PATH: spec.codeDir,
    ALIBABA_CLOUD_ACCESS_KEY_ID: accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: accessKeySecret,
  };
  if (securityToken !== undefined) env.ALIBABA_CLOUD_SECURITY_TOKEN = securityToken;
  if (host.PATH !== undefined) env.PATH = host.PATH;
  if (host.HOME !== undefined) env.HOME = host.HOME;
  return env;
}
