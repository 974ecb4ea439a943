import { Command } from 'commander';
import { createPool } from '../adapters/warehouse/pool.js';
import { redriveHistory } from '../adapters/warehouse/redrive-store.js';
import { selectRows } from '../adapters/warehouse/sql.js';
import { parseFunctionConfig } from '../core/config.js';
import { TerminalError } from '../core/errors.js';
import { parseKey } from '../core/keys.js';
import { createLogger } from '../core/logger.js';
import { type RedriveCandidate, redriveOne } from '../functions/monitor/redrive.js';
import { createMonitorDeps } from '../functions/monitor/wiring.js';
import { type CliOut, explainError, runIfMain } from './cli-out.js';

const HELP = `
The ledger decides what happens: a batch already loaded, rejected or a duplicate is left as it is; a batch
whose attempt died (loading with an expired lease, or failed) is taken over and loaded; a manifest the ledger
never saw (its OSS event was lost) is claimed and loaded. Copying the manifest onto itself does not work: OSS
fires ObjectCreated:CopyObject, which the trigger does not subscribe to.

Examples:
  $ npm run redrive -- --batch 20240129T083000123Z-3fa2c1d09e7b
  $ npm run redrive -- --key incoming/factors/cn_daily/20240129T083000123Z-3fa2c1d09e7b/manifest.json`;

export async function runRedriveCli(argv: string[], env: NodeJS.ProcessEnv, io: CliOut): Promise<number> {
  const program = new Command('npm run redrive --')
    .description('re-drive one batch through the ingest function (FC 3.0 InvokeFunction, async)')
    .option('--batch <id>', 'a batch id the ledger knows')
    .option('--key <manifest key>', 'the manifest in incoming/ (for a batch the ledger never saw)')
    .option('--json', 'one JSON line on stdout')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .addHelpText('after', HELP);
  let pool: ReturnType<typeof createPool> | undefined;
  try {
    program.parse(argv, { from: 'user' });
    const flags = program.opts<{ batch?: string; key?: string; json?: boolean }>();
    if ((flags.batch === undefined) === (flags.key === undefined)) {
      throw new TerminalError('REDRIVE_USAGE', 'give exactly one of --batch or --key');
    }
    if (!env.ACCOUNT_ID)
      throw new TerminalError('REDRIVE_CONFIG', 'set ACCOUNT_ID (the account of the functions)');
    const config = parseFunctionConfig(env);
    pool = createPool({ url: config.mysqlUrl, connectionLimit: 2 });
    const candidate = await candidateOf(pool, flags);
    const deps = createMonitorDeps({
      config,
      pool,
      context: {
        requestId: `manual-${Date.now()}`,
        credentials: {
          accessKeyId: env.ALIBABA_CLOUD_ACCESS_KEY_ID ?? '',
          accessKeySecret: env.ALIBABA_CLOUD_ACCESS_KEY_SECRET ?? '',
          ...(env.ALIBABA_CLOUD_SECURITY_TOKEN ? { securityToken: env.ALIBABA_CLOUD_SECURITY_TOKEN } : {}),
        },
        region: config.ossRegion,
        accountId: env.ACCOUNT_ID,
      },
      logger: createLogger({ write: () => {}, now: () => new Date() }),
    });
    const count = (await redriveHistory(pool, [candidate.batchId])).get(candidate.batchId)?.count ?? 0;
    const result = await redriveOne(deps, candidate, count + 1, null, new Date());
    io.out(
      flags.json
        ? JSON.stringify({ batchId: candidate.batchId, ...result })
        : explainResult(candidate, result),
    );
    return result.outcome === 'invoked' ? 0 : 3;
  } catch (error) {
    return explainError(error, io);
  } finally {
    await pool?.end();
  }
}

async function candidateOf(
  pool: ReturnType<typeof createPool>,
  flags: { batch?: string; key?: string },
): Promise<RedriveCandidate> {
  if (flags.key !== undefined) {
    const k = parseKey(flags.key);
    if (k.type !== 'batch' || k.area !== 'incoming' || k.file !== 'manifest.json') {
      throw new TerminalError('REDRIVE_USAGE', `${flags.key} is not a manifest under incoming/`);
    }
    return { batchId: k.batchId, kind: k.kind, dataset: k.dataset, manifestKey: flags.key, reason: 'manual' };
  }
  const [row] = await selectRows(
    pool,
    'SELECT batch_id, kind, dataset, manifest_key, status FROM batches WHERE batch_id = ?',
    [flags.batch],
  );
  if (row === undefined) {
    throw new TerminalError(
      'REDRIVE_UNKNOWN',
      `the ledger never saw batch ${flags.batch}: give its manifest with --key`,
    );
  }
  return {
    batchId: String(row.batch_id),
    kind: row.kind,
    dataset: String(row.dataset),
    manifestKey: String(row.manifest_key),
    reason: 'manual',
  };
}

function explainResult(c: RedriveCandidate, r: Awaited<ReturnType<typeof redriveOne>>): string {
  switch (r.outcome) {
    case 'invoked':
      return `re-driven ${c.batchId}: ingest invoked (request ${r.invocationId}); follow it in the ledger: SELECT * FROM batch_events WHERE batch_id = '${c.batchId}'`;
    case 'manifest_missing':
      return `cannot re-drive ${c.batchId}: ${c.manifestKey} is not in the bucket (moved to loaded/ or quarantine/ already?)`;
    case 'taken':
      return `another re-drive of ${c.batchId} is claimed right now; try again in a moment`;
    case 'invoke_failed':
      return `FC refused the invocation of ${c.batchId}: ${r.error}`;
  }
}

runIfMain(import.meta.url, runRedriveCli);
