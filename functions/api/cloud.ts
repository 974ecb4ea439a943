import type OSS from 'ali-oss';
import { Fc3FunctionClient } from '../../adapters/function-client/fc3.js';
import { createOssClient } from '../../adapters/object-store/client.js';
import { OssObjectStore } from '../../adapters/object-store/store.js';
import type { Pool } from '../../adapters/warehouse/pool.js';
import type { FunctionConfig } from '../../core/config.js';
import type { Logger } from '../../core/logger.js';
import type { RedriveDeps } from '../monitor/redrive.js';

/** What the API does in the cloud beyond MySQL: presigned artifact links and re-drives (docs/api.md). */
export interface ApiCloud {
  /** A presigned GET URL of an object, valid `seconds` (ali-oss signatureUrl; no request is made). */
  signedGet(key: string, seconds: number): string;
  /** The deps of a re-drive (functions/monitor/redrive.ts redriveOne, as the monitor and `npm run redrive`). */
  redrive: RedriveDeps;
}

/**
 * The cloud clients of one request, built with the invocation's STS credentials (FC hands fresh ones in
 * `context`; building the clients makes no request). Links are signed for the public endpoint even where the
 * function reads OSS over the internal one: the caller of the API is outside the VPC.
 */
export function createApiCloud(parts: {
  config: FunctionConfig;
  pool: Pool;
  logger: Logger;
  credentials: { accessKeyId: string; accessKeySecret: string; securityToken?: string };
  region: string;
  accountId: string;
}): ApiCloud {
  const { config, credentials } = parts;
  const oss = (options: { internal: boolean; endpoint?: string; pathStyle?: boolean }): OSS =>
    createOssClient({ bucket: config.ossBucket, region: config.ossRegion, credentials, ...options });
  // Built on first use: most requests neither sign a link nor re-drive.
  let signer: OSS | undefined;
  let redrive: RedriveDeps | undefined;
  return {
    signedGet: (key, seconds) => {
      signer ??= oss({ internal: false, ...signingEndpoint(config.ossEndpoint) });
      return signer.signatureUrl(key, { expires: seconds, method: 'GET' });
    },
    get redrive() {
      redrive ??= {
        config,
        pool: parts.pool,
        logger: parts.logger,
        store: new OssObjectStore(oss({ internal: config.ossInternal, endpoint: config.ossEndpoint })),
        functions: new Fc3FunctionClient({
          accountId: parts.accountId,
          region: parts.region,
          endpoint: config.fcEndpoint,
          credentials,
        }),
        region: parts.region,
        accountId: parts.accountId,
      };
      return redrive;
    },
  };
}

/**
 * Where links point. ali-oss signs no URL for an IP endpoint (lib/common/object/signatureUrl.js): a store on this
 * machine (the local stack) is named `localhost` and addressed path-style; any other endpoint is used as given.
 */
export function signingEndpoint(endpoint: string | undefined): { endpoint?: string; pathStyle?: boolean } {
  if (endpoint === undefined) return {};
  const url = new URL(endpoint);
  if (url.hostname !== '127.0.0.1' && url.hostname !== '[::1]') return { endpoint };
  url.hostname = 'localhost';
  return { endpoint: url.origin, pathStyle: true };
}
