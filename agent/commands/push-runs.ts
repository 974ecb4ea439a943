import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { TerminalError } from '../../core/errors.js';
import { isDatasetName } from '../../core/identifiers.js';
import type { CliIO, GlobalOptions } from '../cli-io.js';
import { Output } from '../cli-io.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { type ArtifactMode, artifactPolicy } from '../experiments/artifacts.js';
import { MlflowDbStore } from '../experiments/mlflow-db-store.js';
import { MlrunsStore } from '../experiments/mlruns-store.js';
import { type PushRunsResult, pushRuns, type RefusedSummary } from '../experiments/push-runs.js';
import type { MlflowStore } from '../experiments/store-model.js';
import { acquireLock } from '../journal/lock.js';
import { resumePending } from '../upload/pending.js';
import { contextFor } from '../wiring.js';
import { list } from './option-parsers.js';

const HELP = `
Reads an MLflow tracking store the way qlib's recorder (R / qrun) writes it — the file store
mlruns/ or an MLflow SQLite database — and uploads what changed since the last push-runs as one
batch of kind experiments: experiments, runs (ids, names, status, start/end times as recorded,
lifecycle stage, deleted runs and .trash included), every param and tag, the full history of
every metric, the run's model config, and its artifacts under artifacts/<dataset>/<run id>/.
Works the same on the research server and on a training node (give each store its own --dataset).

Changed means: a new run, a new metric value or tag, a RUNNING run that finished. Runs that did
not change are not sent again; nothing changed is exit 0 with "unchanged".

Model config of a run (stored once per content, linked from the run): a workflow YAML among
the run's artifacts, else --config-file, else the task params qlib logs (model.class, …).
The pickled "config" artifact qrun saves is never read.

Artifacts (opaque bytes; never unpickled): --artifacts none | small (default: files up to
--max-artifact-size, default 16MiB) | all (every file, capped only when --max-artifact-size
is given). Large files upload multipart and resume after a crash.

Examples:
  $ qlib-sync push-runs --mlruns ~/qlib/examples/mlruns --dataset research01
  $ qlib-sync push-runs --mlflow-db /srv/mlflow/mlflow.db --dataset gpu_node3 --artifacts all
  $ qlib-sync push-runs --mlruns ./mlruns --dataset gpu_node3 --experiment workflow \\
      --config-file workflow_config_lightgbm_Alpha158.yaml --json
`;

interface PushRunsFlags {
  mlruns?: string;
  mlflowDb?: string;
  dataset: string;
  artifacts: ArtifactMode;
  maxArtifactSize?: number;
  configFile?: string;
  experiment?: string[];
}

/** `qlib-sync push-runs`: experiment results (MLflow / qlib's recorder) to the cloud. */
export function pushRunsCommand(io: CliIO, setExit: (code: number) => void): Command {
  return new Command('push-runs')
    .description("upload qlib's experiment results (an MLflow mlruns/ directory or SQLite store) to OSS")
    .option('--mlruns <dir>', 'an MLflow file store (qrun writes mlruns/ next to its config)')
    .option('--mlflow-db <file>', 'an MLflow SQLite store (sqlite:///<file>)')
    .requiredOption(
      '--dataset <name>',
      'the name of this MLflow store in the cloud, e.g. research01 (lower-case)',
    )
    .addOption(
      new Option('--artifacts <mode>', 'which artifacts go to OSS')
        .choices(['none', 'small', 'all'])
        .default('small'),
    )
    .option(
      '--max-artifact-size <size>',
      'artifacts larger than this stay local (bytes, or 512KiB, 16MiB, 2GiB)',
      size,
    )
    .option(
      '--config-file <yaml>',
      'the workflow YAML of runs that stored none (e.g. the file given to qrun)',
    )
    .option('--experiment <list>', 'only these experiments (names or ids, comma-separated)', list)
    .addHelpText('after', HELP)
    .action(async (flags: PushRunsFlags, command: Command) => {
      const globals = command.optsWithGlobals() as GlobalOptions;
      const out = new Output(io, globals.json ?? false);
      const configFile = checkFlags(flags); // usage errors (exit 2) before config, credentials or network
      const ctx = contextFor(io, globals);
      const release = acquireLock(ctx.journal.dir);
      let store: MlflowStore | undefined;
      try {
        ctx.journal.cleanTemps();
        const resumed = await resumePending(ctx);
        for (const entry of resumed.finished) out.say(`resumed ${entry.manifest.batchId}: uploaded`);
        store = await openStore(flags);
        const result = await pushRuns(ctx, store, {
          dataset: flags.dataset,
          policy: artifactPolicy(flags.artifacts, flags.maxArtifactSize),
          configFile,
          only: flags.experiment ?? [],
        });
        out.result(result, describeRuns(result));
        // The other runs went up; the refused ones wait for a fix in MLflow (exit 4: input data).
        setExit('refused' in result && result.refused.length > 0 ? EXIT.data : EXIT.ok);
      } finally {
        store?.close();
        release();
      }
    });
}

function checkFlags(flags: PushRunsFlags): { name: string; text: string } | undefined {
  if ((flags.mlruns === undefined) === (flags.mlflowDb === undefined)) {
    throw new UsageError('give exactly one of --mlruns <dir> or --mlflow-db <file>');
  }
  if (!isDatasetName(flags.dataset)) {
    throw new UsageError(`--dataset "${flags.dataset}" must match ^[a-z][a-z0-9_]{0,47}$ (e.g. research01)`);
  }
  if (flags.configFile === undefined) return undefined;
  const path = resolve(flags.configFile);
  if (!existsSync(path))
    throw new TerminalError('CONFIG_FILE_NOT_FOUND', `--config-file ${path} does not exist`);
  return { name: basename(path), text: readFileSync(path, 'utf8') };
}

async function openStore(flags: PushRunsFlags): Promise<MlflowStore> {
  if (flags.mlruns !== undefined) return new MlrunsStore(resolve(flags.mlruns));
  return MlflowDbStore.open(resolve(flags.mlflowDb as string));
}

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kib: 1024,
  kb: 1024,
  mib: 1024 ** 2,
  mb: 1024 ** 2,
  gib: 1024 ** 3,
  gb: 1024 ** 3,
};

function size(value: string): number {
  const m = /^(\d+)\s*([a-z]*)$/i.exec(value.trim());
  const unit = UNITS[(m?.[2] ?? '').toLowerCase()];
  if (m === null || unit === undefined)
    throw new InvalidArgumentError('expected a size such as 1048576, 512KiB, 16MiB');
  return Number(m[1]) * unit;
}

function describeRuns(r: PushRunsResult): string {
  const what = `experiments/${r.dataset}`;
  switch (r.status) {
    case 'empty':
      return `nothing to do for ${what}: ${r.reason}`;
    case 'unchanged':
      return [
        `${what}: unchanged (${r.unchanged} runs as last pushed); nothing sent`,
        ...refusedText(r.refused),
      ].join('\n');
    default: {
      const verb = r.status === 'uploaded' ? 'uploaded' : 'already uploaded as';
      const mib = (n: number) => `${(n / 1048576).toFixed(2)} MiB`;
      const lines = [
        `${what}: ${verb} ${r.batchId} (${r.runs} changed runs of ${r.runs + r.unchanged + r.refused.length}, ${r.experiments} experiments, ${r.lines} lines, ${mib(r.bytes)})`,
        `artifacts: ${r.artifacts.uploaded} uploaded (${mib(r.artifacts.bytes)}), ${r.artifacts.present} already in OSS`,
      ];
      if (r.warnings.length > 0)
        lines.push(`warnings (the batch was uploaded):\n  ${r.warnings.join('\n  ')}`);
      return [...lines, ...refusedText(r.refused)].join('\n');
    }
  }
}

function refusedText(refused: readonly RefusedSummary[]): string[] {
  if (refused.length === 0) return [];
  return [
    `refused ${refused.length} run(s), not sent (fix them in MLflow; the next push-runs tries them again):`,
    ...refused.map(
      (r) => `  ${r.runId}${r.name === null ? '' : ` (${r.name})`}: ${r.codes.join(', ')} ${r.detail}`,
    ),
  ];
}
