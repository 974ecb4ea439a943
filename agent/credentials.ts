import { readFileSync, statSync } from 'node:fs';
import type { OssCredentials } from '../adapters/object-store/client.js';
import type { Env } from '../core/config-reader.js';
import { ConfigError, TerminalError } from '../core/errors.js';

export interface LoadedCredentials {
  credentials: OssCredentials;
  /** Where they came from, for doctor: `environment` or the file path. */
  from: string;
}

const ID = 'ALIBABA_CLOUD_ACCESS_KEY_ID';
const SECRET = 'ALIBABA_CLOUD_ACCESS_KEY_SECRET';
const TOKEN = 'ALIBABA_CLOUD_SECURITY_TOKEN';

/**
 * Credentials the way Alibaba Cloud tools look for them: the standard environment variables first, then
 * the credentials file named in the config, which must be private to its owner (a key readable by the
 * group or others is refused).
 */
export function loadCredentials(env: Env, file: string | undefined): LoadedCredentials {
  const id = env[ID]?.trim();
  const secret = env[SECRET]?.trim();
  if (id || secret) {
    if (!id || !secret) {
      throw new ConfigError([
        {
          code: 'CREDENTIALS_MISSING',
          path: id ? SECRET : ID,
          message: `is required when ${id ? ID : SECRET} is set`,
        },
      ]);
    }
    const token = env[TOKEN]?.trim();
    return {
      credentials: { accessKeyId: id, accessKeySecret: secret, securityToken: token || undefined },
      from: 'environment',
    };
  }
  if (file === undefined) {
    throw new TerminalError(
      'CREDENTIALS_MISSING',
      `no credentials: set ${ID} and ${SECRET} (and ${TOKEN} for STS), or credentialsFile in the config`,
    );
  }
  return { credentials: readCredentialsFile(file), from: file };
}

function readCredentialsFile(file: string): OssCredentials {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch {
    throw new TerminalError('CREDENTIALS_FILE', `credentials file ${file} does not exist`);
  }
  if ((mode & 0o077) !== 0) {
    const octal = (mode & 0o777).toString(8).padStart(4, '0');
    throw new TerminalError(
      'CREDENTIALS_FILE_MODE',
      `credentials file ${file} is readable by group or others (mode ${octal}); run: chmod 600 ${file}`,
    );
  }
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (cause) {
    throw new TerminalError(
      'CREDENTIALS_FILE',
      `credentials file ${file} is not JSON: ${(cause as Error).message}`,
    );
  }
  const id = doc?.accessKeyId;
  const secret = doc?.accessKeySecret;
  const token = doc?.securityToken;
  if (typeof id !== 'string' || typeof secret !== 'string' || id === '' || secret === '') {
    throw new TerminalError(
      'CREDENTIALS_FILE',
      `credentials file ${file} must hold {"accessKeyId": "…", "accessKeySecret": "…"} (optionally "securityToken")`,
    );
  }
  return {
    accessKeyId: id,
    accessKeySecret: secret,
    securityToken: typeof token === 'string' ? token : undefined,
  };
}
