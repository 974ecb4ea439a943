import * as kmsModule from '@alicloud/kms20160120';
import { TerminalError, TransientError } from '../../core/errors.js';

/** Where a function's database password comes from when it is not in its environment: one call. */
export interface SecretReader {
  read(name: string): Promise<string>;
}

export interface KmsSettings {
  region: string;
  /** host[:port] or a URL; default the SDK's regional endpoint kms.<region>.aliyuncs.com (HTTPS) */
  endpoint?: string | undefined;
  /** The function role's STS credentials (context.credentials). */
  credentials: { accessKeyId: string; accessKeySecret: string; securityToken?: string | undefined };
  timeoutMs?: number;
}

// NodeNext types the CommonJS package as its module.exports: the client class is its `default` export.
type KmsConfig = ConstructorParameters<typeof kmsModule.default.default>[0];

/**
 * The package's module.exports, whichever way it was loaded: Node's ESM loader hands it over as the default
 * import, esbuild's CommonJS bundle (the package sets __esModule) as the namespace itself.
 */
function kmsExports(): typeof kmsModule.default {
  const d = kmsModule.default as unknown;
  return (typeof d === 'function' ? kmsModule : d) as typeof kmsModule.default;
}

/**
 * KMS Secrets Manager through Alibaba's SDK (@alicloud/kms20160120, GetSecretValue, RPC signature with the STS
 * token: https://help.aliyun.com/zh/kms/key-management-service/developer-reference/api-kms-2016-01-20-getsecretvalue).
 */
export function createKmsSecretReader(settings: KmsSettings): SecretReader {
  const { accessKeyId, accessKeySecret, securityToken } = settings.credentials;
  const config: Record<string, unknown> = {
    accessKeyId,
    accessKeySecret,
    regionId: settings.region,
    readTimeout: settings.timeoutMs ?? 10_000,
    connectTimeout: settings.timeoutMs ?? 10_000,
  };
  if (securityToken) config.securityToken = securityToken;
  if (settings.endpoint !== undefined) {
    const url = /^https?:\/\//.test(settings.endpoint) ? new URL(settings.endpoint) : undefined;
    config.endpoint = url?.host ?? settings.endpoint;
    config.protocol = url?.protocol === 'http:' ? 'http' : 'https';
  }
  const { default: Client, GetSecretValueRequest } = kmsExports();
  const client = new Client(config as unknown as KmsConfig);
  return {
    async read(name) {
      try {
        const request = new GetSecretValueRequest({ secretName: name });
        const response = await client.getSecretValue(request);
        return response.secretData;
      } catch (error) {
        throw translateKmsError(error, name);
      }
    },
  };
}

/**
 * An answer from KMS (the SDK's `<Code>Error` with `data`) is terminal: no such secret, no permission, a bad
 * signature; no answer at all (network, timeout) or a 5xx is transient.
 */
export function translateKmsError(error: unknown, name: string): unknown {
  if (!(error instanceof Error)) return error;
  const data = (error as { data?: { Code?: string; Message?: string } }).data;
  const status = /code: (\d{3})/.exec(error.message)?.[1];
  const what = `read secret ${name} from KMS`;
  if (data?.Code !== undefined && !(status ?? '').startsWith('5')) {
    const code = /NotFound/i.test(data.Code) ? 'KMS_SECRET_NOT_FOUND' : 'KMS_DENIED';
    return new TerminalError(code, `${what}: ${data.Code}: ${data.Message ?? ''}`, { cause: error });
  }
  return new TransientError('KMS_UNAVAILABLE', `${what}: ${error.message}`, { cause: error });
}
