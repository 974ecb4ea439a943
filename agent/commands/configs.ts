import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { TerminalError } from '../../core/errors.js';
import { type ApiSource, apiClient, apiTargetOf } from '../api-client.js';
import type { CliIO, GlobalOptions } from '../cli-io.js';
import { Output } from '../cli-io.js';
import { UsageError } from '../exit-codes.js';
import { qrunYaml } from '../experiments/qrun-yaml.js';

const HELP = `
A training node trains from the shared config: configs get writes the workflow YAML
qrun takes, exactly as the run that pushed it stored it (push-runs), or with
qlib_init.provider_uri / region set for this machine (comments and anchors kept; a
config rebuilt from params has no qlib_init and needs --provider-uri). It reads the
HTTP API with a token (scope read:data); no database or OSS credentials are needed.

  --api-url or QLIB_SYNC_API_URL      the API (the HTTP trigger's URL)
  QLIB_SYNC_API_TOKEN, or --token-file / QLIB_SYNC_API_TOKEN_FILE (mode 600)

A config is named by its hash (or its first 8+ hex digits) or by its name when one
config has that name. Exit codes: 2 no such config, or a name shared by several (give
the hash), 3 no API URL, or a token missing, refused or lacking read:data, 5 the API
unreachable or failing after 3 attempts.

Examples:
  $ qlib-sync configs list
  $ qlib-sync configs get workflow_config_lightgbm_Alpha158.yaml --out lgb.yaml && qrun lgb.yaml
  $ qlib-sync configs get 3fa2c1d0 --provider-uri /data/qlib/cn_data --out lgb.yaml
  $ qlib-sync configs get 3fa2c1d0 --json | jq -r .hash
`;

interface ApiFlags {
  apiUrl?: string;
  tokenFile?: string;
}

interface GetFlags extends ApiFlags {
  out?: string;
  providerUri?: string;
  region?: string;
}

interface ConfigBrief {
  hash: string;
  name: string | null;
  source: string;
  modelClass: string | null;
  market: string | null;
  runs: number;
  createdAt: string | null;
}

/** `qlib-sync configs list|get`: the model configs in RDS, read back through the HTTP API. */
export function configsCommand(io: CliIO, setExit: (code: number) => void): Command {
  const command = new Command('configs')
    .description('model configs stored by push-runs, read back through the HTTP API (the YAML qrun takes)')
    .addHelpText('after', HELP);
  // Errors and help of the subcommands go through the CLI's one catch and its streams, as the others do.
  const withApi = (c: Command) =>
    c
      .exitOverride()
      .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
      .configureHelp({ showGlobalOptions: true })
      .option('--api-url <url>', 'the HTTP API (default QLIB_SYNC_API_URL)')
      .option('--token-file <file>', 'a file holding the API token (default QLIB_SYNC_API_TOKEN)');

  command.addCommand(
    withApi(new Command('list'))
      .description('every model config: hash, name, model, market, how many runs used it')
      .action(async (flags: ApiFlags, sub: Command) => {
        const out = new Output(io, (sub.optsWithGlobals() as GlobalOptions).json ?? false);
        const { configs } = await read<{ configs: ConfigBrief[] }>(api(io, flags), '/v1/configs');
        out.result({ configs }, table(configs));
        setExit(0);
      }),
  );
  command.addCommand(
    withApi(new Command('get'))
      .description('one config as the YAML qrun takes: to stdout, or to --out FILE')
      .argument('<name|hash>', 'its hash (or 8+ leading hex digits), or its name')
      .option('--out <file>', 'write the YAML here instead of stdout')
      .option(
        '--provider-uri <dir>',
        "set qlib_init.provider_uri (this machine's data, e.g. what qlib-sync pull writes)",
      )
      .option('--region <region>', 'set qlib_init.region (cn, us)')
      .action(async (ref: string, flags: GetFlags, sub: Command) => {
        const json = (sub.optsWithGlobals() as GlobalOptions).json ?? false;
        if (ref.trim() === '') throw new UsageError('name a config: its hash or its name');
        const path = `/v1/configs/${encodeURIComponent(ref)}`;
        const config = await read<ConfigBrief & { text: string }>(api(io, flags), path);
        const yaml = qrunFile(config.text, flags);
        if (flags.out !== undefined) {
          try {
            writeFileSync(flags.out, yaml);
          } catch (error) {
            throw new TerminalError('OUTPUT_UNWRITABLE', `cannot write ${flags.out}`, { cause: error });
          }
        }
        if (json) {
          const { text, ...rest } = config;
          io.stdout(
            `${JSON.stringify(flags.out === undefined ? { ...rest, text: yaml } : { ...rest, out: flags.out })}\n`,
          );
        } else if (flags.out === undefined) io.stdout(yaml);
        else
          io.stderr(
            `wrote ${flags.out} (config ${config.hash.slice(0, 12)}, ${config.modelClass ?? 'model ?'})\n`,
          );
        setExit(0);
      }),
  );
  return command;
}

/** The API with the agent's retries (agent/retry.ts): a training node's cron survives a cold start's 503. */
function api(io: CliIO, flags: ApiFlags): ApiSource {
  return apiClient({
    ...apiTargetOf(flags, io.env),
    retry: { attempts: 3, baseMs: 500, maxMs: 5000 },
    ...(io.sleep === undefined ? {} : { sleep: io.sleep }),
  });
}

/**
 * GET one JSON answer. No such config (404) or a name several configs share (409) is what the command line named:
 * a usage error (exit 2) with the API's message, which lists the hashes to choose from.
 */
async function read<T>(source: ApiSource, path: string): Promise<T> {
  try {
    return (await source.json<T>(path)).body;
  } catch (error) {
    if (
      error instanceof TerminalError &&
      (error.code === 'API_NOT_FOUND' || /answered 409/.test(error.message))
    )
      throw new UsageError(error.message);
    throw error;
  }
}

/** The file qrun takes (agent/experiments/qrun-yaml.ts): byte for byte, or with qlib_init set from the flags. */
function qrunFile(text: string, flags: GetFlags): string {
  const options = {
    ...(flags.providerUri === undefined ? {} : { providerUri: flags.providerUri }),
    ...(flags.region === undefined ? {} : { region: flags.region }),
  };
  try {
    return qrunYaml(text, options);
  } catch (error) {
    // A config rebuilt from params names no data directory: the person says where it is (a usage problem).
    if (error instanceof TerminalError && error.code === 'CONFIG_NO_PROVIDER')
      throw new UsageError(error.message);
    throw error;
  }
}

function table(configs: ConfigBrief[]): string {
  if (configs.length === 0) return 'no model configs yet: push-runs stores them with the runs';
  const rows = configs.map((c) =>
    [
      c.hash.slice(0, 12),
      c.name ?? '-',
      c.modelClass ?? '-',
      c.market ?? '-',
      String(c.runs),
      c.createdAt?.slice(0, 10) ?? '',
    ].join('  '),
  );
  return ['hash          name  model  market  runs  stored', ...rows].join('\n');
}
