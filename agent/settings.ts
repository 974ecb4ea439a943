import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import {
  boolean,
  type Env,
  integer,
  type KeySpec,
  readConfig,
  type Specs,
  text,
  url,
} from '../core/config-reader.js';
import { ConfigError, type Problem } from '../core/errors.js';
import { readJsonDocument } from '../core/json-document.js';
import { DEFAULT_POLICY, parsePolicy, type QualityPolicy } from '../core/quality/policy.js';
import { checkWith } from '../core/schema.js';

/** Everything the agent reads from its config file and environment (docs/agent.md, "Configuration"). */
export interface AgentSettings {
  bucket: string;
  /** Region id without the oss- prefix, e.g. cn-hangzhou. */
  region: string;
  endpoint: string | undefined;
  /** Path-style requests (`<endpoint>/<bucket>/<key>`, ali-oss sldEnable) for stores without virtual-host DNS. */
  pathStyle: boolean;
  journalDir: string;
  credentialsFile: string | undefined;
  multipartThreshold: number;
  partSize: number;
  parallel: number;
  retries: number;
  retryBaseMs: number;
  timeoutMs: number;
  /** An uploaded batch with no status from ingest after this long is reported by status and doctor. */
  ingestOverdueMinutes: number;
  /** --since-last re-sends dates this many trading days back whose values appeared late; older ones are reported. */
  lateDays: number;
  policy: QualityPolicy;
}

const MIB = 1024 * 1024;

/** Config-file key → environment variable that overrides it. */
export const SETTING_ENV: Record<keyof AgentSettings, string> = {
  bucket: 'OSS_BUCKET',
  region: 'OSS_REGION',
  endpoint: 'OSS_ENDPOINT',
  pathStyle: 'OSS_PATH_STYLE',
  journalDir: 'QLIB_SYNC_JOURNAL',
  credentialsFile: 'QLIB_SYNC_CREDENTIALS',
  multipartThreshold: 'QLIB_SYNC_MULTIPART_THRESHOLD',
  partSize: 'QLIB_SYNC_PART_SIZE',
  parallel: 'QLIB_SYNC_PARALLEL',
  retries: 'QLIB_SYNC_RETRIES',
  retryBaseMs: 'QLIB_SYNC_RETRY_BASE_MS',
  timeoutMs: 'QLIB_SYNC_TIMEOUT_MS',
  ingestOverdueMinutes: 'QLIB_SYNC_INGEST_OVERDUE_MINUTES',
  lateDays: 'QLIB_SYNC_LATE_DAYS',
  policy: 'QLIB_SYNC_POLICY',
};

function specs(home: string): Specs<AgentSettings> {
  const spec = <T>(key: keyof AgentSettings, s: KeySpec<T>) => ({ env: SETTING_ENV[key], ...s });
  return {
    bucket: spec(
      'bucket',
      pattern('the OSS bucket batches go to', BUCKET, 'must be 3-63 of a-z 0-9 - (OSS bucket naming)'),
    ),
    region: spec(
      'region',
      pattern(
        'OSS region, e.g. cn-hangzhou',
        REGION,
        'must be a region id without the oss- prefix, e.g. cn-hangzhou',
      ),
    ),
    endpoint: spec(
      'endpoint',
      url('OSS endpoint override, e.g. http://127.0.0.1:9000 for the local stack', ['http:', 'https:']),
    ),
    pathStyle: spec(
      'pathStyle',
      boolean('path-style requests <endpoint>/<bucket>/<key> (stores without virtual-host DNS)', false),
    ),
    journalDir: spec(
      'journalDir',
      text('journal directory', false, join(home, '.local', 'state', 'qlib-sync')),
    ),
    credentialsFile: spec(
      'credentialsFile',
      optionalText('a JSON file with accessKeyId/accessKeySecret (mode 600)'),
    ),
    multipartThreshold: spec(
      'multipartThreshold',
      integer('payloads this large use multipart', 0, 2 ** 40, 8 * MIB),
    ),
    partSize: spec('partSize', integer('multipart part size in bytes', 100 * 1024, 5 * 1024 * MIB, 4 * MIB)),
    parallel: spec('parallel', integer('multipart parts in flight', 1, 32, 4)),
    retries: spec('retries', integer('attempts for a transient OSS fault', 1, 20, 5)),
    retryBaseMs: spec('retryBaseMs', integer('first retry delay (doubles each time)', 1, 60_000, 1000)),
    timeoutMs: spec('timeoutMs', integer('OSS request timeout', 100, 3_600_000, 120_000)),
    ingestOverdueMinutes: spec(
      'ingestOverdueMinutes',
      integer('minutes an uploaded batch may wait for its status from ingest', 1, 7 * 24 * 60, 30),
    ),
    lateDays: spec(
      'lateDays',
      integer('trading days back --since-last re-sends a date whose values appeared late', 0, 10_000, 20),
    ),
    policy: spec('policy', policySpec()),
  };
}

export interface SettingsInput {
  /** --config; when absent the default path is used if it exists. */
  configPath?: string;
  env: Env;
  home: string;
}

/** The default config file: ~/.config/qlib-sync/config.json. */
export function defaultConfigPath(home: string): string {
  return join(home, '.config', 'qlib-sync', 'config.json');
}

/** Read the config file and apply env overrides; every problem at once (ConfigError). */
export function loadSettings(input: SettingsInput): AgentSettings {
  return readMerged(input, specs(input.home));
}

/**
 * Only the journal directory, for commands that read nothing but the local journal (`status --offline`):
 * no bucket, region or credentials needed. The config file must still be readable and known keys only.
 */
export function loadJournalDir(input: SettingsInput): string {
  return readMerged(input, { journalDir: specs(input.home).journalDir }).journalDir;
}

/** What the journal-only commands (`status --offline`) need: the journal and the overdue limit. */
export function loadLocalSettings(
  input: SettingsInput,
): Pick<AgentSettings, 'journalDir' | 'ingestOverdueMinutes'> {
  const all = specs(input.home);
  return readMerged(input, { journalDir: all.journalDir, ingestOverdueMinutes: all.ingestOverdueMinutes });
}

/** The config file with the env overrides on top, read with `keys`. */
function readMerged<C>(input: SettingsInput, keys: Specs<C>): C {
  const path = input.configPath ?? defaultConfigPath(input.home);
  const fromFile = input.configPath !== undefined || existsSync(path) ? readConfigFile(path) : {};
  const merged: Record<string, string | undefined> = { ...fromFile };
  for (const name of Object.values(SETTING_ENV)) {
    const value = input.env[name];
    if (value !== undefined && value.trim() !== '') merged[name] = value;
  }
  try {
    return readConfig(merged, keys);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // Name both places a value can come from: the config file key and the variable that overrides it.
    const keyOf = new Map(Object.entries(SETTING_ENV).map(([key, env]) => [env, key]));
    throw new ConfigError(
      error.problems.map((p) => ({ ...p, path: `${keyOf.get(p.path ?? '') ?? '?'} (${p.path})` })),
    );
  }
}

/** The config file: a JSON object of known keys (values as strings, or JSON such as the policy object). */
const ConfigFileSchema = z.strictObject(
  Object.fromEntries(Object.keys(SETTING_ENV).map((key) => [key, z.unknown().optional()])),
);

/** The config file as env-style strings keyed by the variables that override them; every problem at once. */
function readConfigFile(path: string): Env {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    const why =
      (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : (cause as Error).message;
    throw new ConfigError([{ code: 'CONFIG_FILE', path, message: `cannot read the config file: ${why}` }]);
  }
  const doc = readJsonDocument(text, 'CONFIG');
  if (!doc.ok) {
    throw new ConfigError([
      { code: 'CONFIG_FILE', path, message: `cannot read the config file: ${doc.message}` },
    ]);
  }
  const checked = checkWith(ConfigFileSchema, doc.value, 'CONFIG', { kinds: { UNKNOWN_FIELD: 'UNKNOWN' } });
  const problems = [...doc.problems, ...(checked.ok ? [] : checked.problems)].map((p) => inFile(p, path));
  if (problems.length > 0 || !checked.ok) throw new ConfigError(problems);
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(checked.value)) {
    if (value === undefined) continue;
    out[SETTING_ENV[key as keyof AgentSettings]] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return out;
}

/** A problem of the config file, located as `<file>: <key>`, worded for a person editing it. */
function inFile(p: Problem, file: string): Problem {
  const key = (p.path ?? '$').replace(/^\$\.?/, '');
  if (key === '') return { code: 'CONFIG_FILE', path: file, message: 'must hold a JSON object' };
  if (p.code === 'CONFIG_UNKNOWN')
    return {
      ...p,
      path: `${file}: ${key}`,
      message: `unknown key (known: ${Object.keys(SETTING_ENV).join(', ')})`,
    };
  return { ...p, path: `${file}: ${key}` };
}

const BUCKET = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const REGION = /^(?!oss-)[a-z0-9]+(-[a-z0-9]+)+$/;

function pattern(describe: string, re: RegExp, message: string): KeySpec<string> {
  return { required: true, describe, schema: z.string().regex(re, message) };
}

function optionalText(describe: string): KeySpec<string | undefined> {
  return { required: false, describe, schema: z.string() };
}

function policySpec(): KeySpec<QualityPolicy> {
  const schema = z.string().transform((raw, ctx) => {
    try {
      return parsePolicy(raw);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });
  return {
    required: false,
    default: DEFAULT_POLICY,
    describe: 'quality thresholds, the same JSON as the dataset rules ingest applies',
    schema,
  };
}
