import type { SecretReader } from '../adapters/secrets/kms.js';
import type { FunctionConfig } from '../core/config.js';
import { TerminalError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { FcContext } from './fc-context.js';

export type DatabaseSettings = Pick<FunctionConfig, 'mysqlUrl' | 'mysqlPasswordSecret' | 'kmsEndpoint'>;

/**
 * The URL a function connects with, read once at cold start: MYSQL_URL as it is (the local stack, or a password in
 * the environment), or MYSQL_URL with the password from KMS Secrets Manager, fetched with the function role's STS
 * credentials (`reader`; default: KMS Secrets Manager, imported only then). Every function that opens a pool calls
 * this (ingest now; monitor and api when they land).
 */
export async function databaseUrl(
  config: DatabaseSettings,
  context: Pick<FcContext, 'credentials' | 'region'>,
  logger: Logger,
  reader?: SecretReader,
): Promise<string> {
  const name = config.mysqlPasswordSecret;
  if (name === undefined) return config.mysqlUrl;
  // Imported here, not at the top: the KMS SDK and its credential and signing packages are evaluated only by the
  // cold starts that read a secret (the bundle keeps them in a lazy initialiser), not by every one.
  reader ??= (await import('../adapters/secrets/kms.js')).createKmsSecretReader({
    region: context.region,
    endpoint: config.kmsEndpoint,
    credentials: context.credentials,
  });
  const { user, password } = credentialsOf(await reader.read(name), name);
  const url = new URL(config.mysqlUrl);
  if (url.username === '' && user !== undefined) url.username = encodeURIComponent(user);
  url.password = encodeURIComponent(password);
  logger.info('database password read from KMS', { secret: name, user: decodeURIComponent(url.username) });
  return url.toString();
}

/**
 * A secret is the password itself, or the JSON of an RDS-managed secret (KMS "RDS credential" secrets:
 * {"AccountName": …, "AccountPassword": …}, https://help.aliyun.com/zh/kms/key-management-service/user-guide/manage-and-use-rds-secrets).
 */
export function credentialsOf(secret: string, name: string): { user?: string; password: string } {
  const text = secret.replace(/\r?\n$/, '');
  if (text.startsWith('{')) {
    let doc: { AccountName?: unknown; AccountPassword?: unknown };
    try {
      doc = JSON.parse(text) as typeof doc;
    } catch {
      throw new TerminalError('KMS_SECRET_INVALID', `secret ${name} looks like JSON but does not parse`);
    }
    if (typeof doc.AccountPassword !== 'string' || doc.AccountPassword === '')
      throw new TerminalError('KMS_SECRET_INVALID', `secret ${name} is JSON without an AccountPassword`);
    return typeof doc.AccountName === 'string'
      ? { user: doc.AccountName, password: doc.AccountPassword }
      : { password: doc.AccountPassword };
  }
  if (text === '') throw new TerminalError('KMS_SECRET_INVALID', `secret ${name} is empty`);
  return { password: text };
}
