import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { dropDatabase, withDatabase } from '../adapters/warehouse/database.js';
import { prepareDatabase } from '../adapters/warehouse/prepare.js';
import { PipelineError } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { LOCAL_DEFAULTS, type LocalStack, startLocalStack } from './stack.js';

/**
 * `npm run local`: the embedded OSS + MNS + FC stack on the repo's s.yaml, for the demo and for poking
 * at by hand. Fixed ports by default so the printed endpoints stay the same between runs.
 */
interface Flags {
  state: string;
  reset: boolean;
  host: string;
  ossPort: number;
  mnsPort: number;
}

const HELP_AFTER = `
Starts, under one process:
  OSS  an OSS-compatible server (bucket ${LOCAL_DEFAULTS.bucket}) that fires FC's OSS trigger events,
  MNS  an MNS-compatible server with the alert topic and the FC failure queue (subscribe what you want:
       npm run alerts -- subscribe …),
  FC   the Function Compute runtime for every function in s.yaml (code under dist/functions/), its timers,
       and the FC 3.0 InvokeFunction API the monitor re-drives batches through.
State lives under --state and in the MySQL database of MYSQL_URL (default ${LOCAL_DEFAULTS.mysqlUrl};
a URL without a database gets qlib_local), created and migrated at start. Both survive restarts;
--reset wipes the state directory and drops that database first, so OSS and the ledger start empty together.
The functions get OSS_ENDPOINT/MNS_ENDPOINT pointing here. \`npm run local\` bundles them first
(scripts/build-functions.ts, as \`npm run build\` does); run directly (tsx local/main.ts) it needs
\`npm run build\` first.

Example:
  npm run local -- --reset --oss-port 9000 --mns-port 9100`;

const MIGRATIONS_DIR = join(import.meta.dirname, '..', 'migrations');

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port number 0-65535');
  return n;
}

function parseFlags(argv: string[]): Flags {
  return new Command('npm run local')
    .description('Run the local Alibaba Cloud stack (OSS, MNS, Function Compute) on s.yaml')
    .option('--state <dir>', 'state directory', '.local-stack')
    .option('--reset', 'wipe the state directory and drop the database first', false)
    .option('--host <host>', 'interface to listen on', LOCAL_DEFAULTS.host)
    .option('--oss-port <port>', 'OSS port', port, 9000)
    .option('--mns-port <port>', 'MNS port', port, 9100)
    .addHelpText('after', HELP_AFTER)
    .parse(argv)
    .opts<Flags>();
}

function banner(stack: LocalStack, flags: Flags): string {
  const { oss, mns, fc, credentials } = stack;
  const http = fc.functions().map((fn) => `${fn}${fc.httpUrl(fn) ? ` (http ${fc.httpUrl(fn)})` : ''}`);
  return [
    `qlib local stack — state in ${resolve(flags.state)}`,
    `  OSS  ${oss.url}   bucket ${stack.bucket}   region ${stack.region}`,
    `       ali-oss: { region: 'oss-${stack.region}', endpoint: '${oss.url}', bucket: '${stack.bucket}', secure: false }`,
    `  MNS  ${mns.url}   account ${stack.accountId}`,
    `       alert topic ${stack.alertTopic} (nothing subscribed), FC failure queue ${stack.failureQueue}`,
    `       subscribe: MNS_ENDPOINT=${mns.url} npm run alerts -- subscribe --queue my-inbox   (docs/deploy.md)`,
    `  FC   ${http.join(', ')}`,
    `       FC 3.0 API (InvokeFunction) ${stack.fcApiUrl}`,
    `  credentials (OSS and MNS)`,
    `       access key id      ${credentials.accessKeyId}`,
    `       access key secret  ${credentials.accessKeySecret}`,
    `  MYSQL_URL  ${stack.sYamlEnv.MYSQL_URL} (migrated)`,
    ...apiLines(stack),
    '  point the agent here (docs/agent.md):',
    `       export OSS_ENDPOINT=${oss.url} OSS_BUCKET=${stack.bucket} OSS_REGION=${stack.region}`,
    `       export ALIBABA_CLOUD_ACCESS_KEY_ID=${credentials.accessKeyId} ALIBABA_CLOUD_ACCESS_KEY_SECRET=${credentials.accessKeySecret}`,
    'Ctrl-C stops everything.',
  ].join('\n');
}

/** Where the HTTP API and its status page answer, and how to get a token for them (docs/api.md). */
function apiLines(stack: LocalStack): string[] {
  const url = stack.fc.httpUrl('qlib-api');
  if (url === undefined) return [];
  return [
    `  API  ${url}/  (status page; the JSON API under /v1, docs/api.md)`,
    `       a token: MYSQL_URL=${stack.sYamlEnv.MYSQL_URL} npm run token -- create --name me --scope read:status --scope read:data`,
  ];
}

/** The one catch: map what went wrong to a line a person can act on. */
function explain(error: unknown): string {
  if (error instanceof PipelineError && error.code === 'FC_CODE_MISSING') {
    return `${error.message}\nThe function bundles are not built: run \`npm run build\` first.`;
  }
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    return `${(error as Error).message}: a port is taken; pick others with --oss-port / --mns-port.`;
  }
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv);
  // The functions need their tables before the first batch arrives: create the database and migrate it.
  const mysqlUrl = withDatabase(process.env.MYSQL_URL ?? LOCAL_DEFAULTS.mysqlUrl, 'qlib_local').url;
  const log = createLogger({ write: (line) => process.stderr.write(line), now: () => new Date() });
  if (flags.reset) await dropDatabase(mysqlUrl);
  const prepared = await prepareDatabase(mysqlUrl, MIGRATIONS_DIR, log, 1);
  await prepared.pool.end();
  const stack = await startLocalStack({
    stateDir: flags.state,
    reset: flags.reset,
    host: flags.host,
    ossPort: flags.ossPort,
    mnsPort: flags.mnsPort,
    mysqlUrl: prepared.url,
    env: { LOG_LEVEL: process.env.LOG_LEVEL, LOAD_MODE: process.env.LOAD_MODE },
    // Function output is prefixed with its name; the runtime's own JSON lines pass through as they are.
    log: (line, fn) => process.stderr.write(fn === 'fc-runtime' ? `${line}\n` : `[${fn}] ${line}\n`),
  });
  process.stdout.write(`${banner(stack, flags)}\n`);
  const stop = () => {
    void stack.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${explain(error)}\n`);
  process.exit(1);
});
