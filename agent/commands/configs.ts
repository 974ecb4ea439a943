import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { TerminalError } from '../../core/errors.js';
import { apiGet, apiTargetOf } from '../api-client.js';
import type { CliIO, GlobalOptions } from '../cli-io.js';
import { Output } from '../cli-io.js';
import { UsageError } from '../exit-codes.js';

const HELP = `
A training node trains from the shared config: configs get writes the workflow YAML
qrun takes, exactly as the run that pushed it stored it (push-runs). It reads the HTTP
API with a token (scope read:data); no database or OSS credentials are needed.

  --api-url or QLIB_SYNC_API_URL      the API (the HTTP trigger's URL)
  QLIB_SYNC_API_TOKEN, or --token-file / QLIB_SYNC_API_TOKEN_FILE (mode 600)

A config is named by its hash (or its first 8+ hex digits) or by its name when one
config has that name. Exit codes: 2 no such config, or a name shared by several (give
the hash), 3 token missing, refused or lacking read:data, 5 the API unreachable.

Examples:
  $ qlib-sync configs list
  $ qlib-sync configs get workflow_config_lightgbm_Alpha158.yaml --out lgb.yaml && qrun lgb.yaml
  $ qlib-sync configs get 3fa2c1d0 --json | jq -r .hash
`;

interface ApiFlags {
  apiUrl?: string;
  tokenFile?: string;
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
        const answer = await apiGet(apiTargetOf(flags, io.env), '/v1/configs');
        const { configs } = JSON.parse(answer.text) as { configs: ConfigBrief[] };
        out.result({ configs }, table(configs));
        setExit(0);
      }),
  );
  command.addCommand(
    withApi(new Command('get'))
      .description('one config as the YAML qrun takes: to stdout, or to --out FILE')
      .argument('<name|hash>', 'its hash (or 8+ leading hex digits), or its name')
      .option('--out <file>', 'write the YAML here instead of stdout')
      .action(async (ref: string, flags: ApiFlags & { out?: string }, sub: Command) => {
        const json = (sub.optsWithGlobals() as GlobalOptions).json ?? false;
        if (ref.trim() === '') throw new UsageError('name a config: its hash or its name');
        const path = `/v1/configs/${encodeURIComponent(ref)}`;
        const answer = await apiGet(apiTargetOf(flags, io.env), path);
        const config = JSON.parse(answer.text) as ConfigBrief & { text: string };
        if (flags.out !== undefined) {
          try {
            writeFileSync(flags.out, config.text);
          } catch (error) {
            throw new TerminalError('OUTPUT_UNWRITABLE', `cannot write ${flags.out}`, { cause: error });
          }
        }
        if (json) {
          const { text, ...rest } = config;
          io.stdout(`${JSON.stringify(flags.out === undefined ? config : { ...rest, out: flags.out })}\n`);
        } else if (flags.out === undefined) io.stdout(config.text);
        else
          io.stderr(
            `wrote ${flags.out} (config ${config.hash.slice(0, 12)}, ${config.modelClass ?? 'model ?'})\n`,
          );
        setExit(0);
      }),
  );
  return command;
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
