import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { UploadingStore } from '../adapters/object-store/store.js';
import { PipelineError } from '../core/errors.js';
import type { CliIO, GlobalOptions } from './cli-io.js';
import { loadCredentials } from './credentials.js';
import { clockCheck, refusedForClock } from './doctor-clock.js';
import { ingestChecks } from './doctor-ingest.js';
import { EXIT, exitCodeOf } from './exit-codes.js';
import { writeFileAtomic } from './journal/atomic-file.js';
import { Journal } from './journal/journal.js';
import { lockHolder } from './journal/lock.js';
import type { AgentSettings } from './settings.js';
import { settingsFor, storeFor } from './wiring.js';

export interface Check {
  name: string;
  status: 'ok' | 'warn' | 'fail' | 'skip';
  detail: string;
  /** What to do about it. */
  fix?: string;
  /** Exit code this failure maps to. */
  exit?: number;
}

/** Every check doctor runs, each independent of the others' failures where possible. */
export async function runChecks(io: CliIO, options: GlobalOptions, now: () => Date): Promise<Check[]> {
  const checks: Check[] = [];
  let settings: AgentSettings | undefined;
  try {
    settings = settingsFor(io, options);
    const where = settings.endpoint ?? `oss-${settings.region}.aliyuncs.com`;
    checks.push({ name: 'config', status: 'ok', detail: `bucket ${settings.bucket} at ${where}` });
  } catch (error) {
    checks.push(
      failure(
        'config',
        error,
        'edit the config file (--config, default ~/.config/qlib-sync/config.json) or set the env overrides',
      ),
    );
  }
  let store: UploadingStore | undefined;
  if (settings !== undefined) {
    try {
      const { from } = loadCredentials(io.env, settings.credentialsFile);
      store = storeFor(io, settings);
      checks.push({ name: 'credentials', status: 'ok', detail: `from ${from}` });
    } catch (error) {
      checks.push(
        failure(
          'credentials',
          error,
          'set ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET or credentialsFile (chmod 600)',
        ),
      );
    }
  }
  const bucket = await bucketChecks(store, settings, now);
  checks.push(...bucket);
  if (settings !== undefined) {
    checks.push(...journalChecks(settings.journalDir));
    const reachable = bucket[0]?.status === 'ok' ? store : undefined;
    checks.push(...(await ingestChecks(reachable, settings, now)));
  }
  return checks;
}

async function bucketChecks(
  store: UploadingStore | undefined,
  settings: AgentSettings | undefined,
  now: () => Date,
): Promise<Check[]> {
  if (store === undefined || settings === undefined) {
    return [
      { name: 'bucket', status: 'skip', detail: 'needs a valid config and credentials' },
      { name: 'clock', status: 'skip', detail: 'needs the bucket' },
    ];
  }
  try {
    const { serverTime } = await store.probe('incoming/');
    const bucket: Check = { name: 'bucket', status: 'ok', detail: `listed ${settings.bucket}` };
    if (serverTime === undefined)
      return [bucket, { name: 'clock', status: 'skip', detail: 'OSS sent no Date header' }];
    return [bucket, clockCheck(now().getTime() - serverTime.getTime())];
  } catch (error) {
    if (error instanceof PipelineError && error.code === 'OSS_CLOCK_SKEW') return refusedForClock(error, now);
    return [
      failure('bucket', error, bucketFix(error, settings)),
      { name: 'clock', status: 'skip', detail: 'needs the bucket' },
    ];
  }
}

function bucketFix(error: unknown, settings: AgentSettings): string {
  const code = error instanceof PipelineError ? error.code : '';
  if (code === 'OSS_AUTH') return 'check the access key id and secret (and the STS token, which expires)';
  if (code === 'OSS_NO_BUCKET')
    return `create bucket ${settings.bucket} in ${settings.region} or fix "bucket" in the config`;
  return 'check the endpoint/region in the config and the network path to OSS';
}

function journalChecks(dir: string): Check[] {
  let journal: Journal;
  try {
    journal = Journal.open(dir);
    const probe = join(dir, '.doctor-probe');
    writeFileAtomic(probe, 'ok');
    rmSync(probe);
  } catch (error) {
    return [failure('journal', error, `make ${dir} writable by this user, or set journalDir`)];
  }
  const checks: Check[] = [];
  const { entries, corrupt } = journal.list();
  checks.push({ name: 'journal', status: 'ok', detail: `${dir}: ${entries.length} batch(es)` });
  for (const error of corrupt) {
    const file = String(error.details.file ?? '');
    checks.push({
      name: 'journal file',
      status: 'fail',
      detail: error.message,
      fix: `inspect ${join(journal.batchesDir, file)}; move it out of batches/ once you know which batch it was`,
      exit: EXIT.data,
    });
  }
  const pending = journal.pending();
  if (pending.length > 0) {
    const ids = pending.map((e) => e.manifest.batchId).join(', ');
    checks.push({
      name: 'pending uploads',
      status: 'warn',
      detail: `${pending.length} unfinished: ${ids}`,
      fix: 'run qlib-sync resume',
    });
  }
  const temps = journal.cleanTemps(true);
  if (temps.length > 0) {
    checks.push({
      name: 'temp files',
      status: 'warn',
      detail: `${temps.length} left by a killed run`,
      fix: 'harmless; the next push removes them',
    });
  }
  const orphans = journal.orphanSpoolFiles();
  if (orphans.length > 0) {
    checks.push({
      name: 'spool',
      status: 'warn',
      detail: `${orphans.length} payload(s) no batch refers to: ${orphans.join(', ')}`,
      fix: 'delete them',
    });
  }
  const holder = lockHolder(dir);
  if (holder !== undefined)
    checks.push({ name: 'lock', status: 'ok', detail: `held by a running qlib-sync (pid ${holder})` });
  return checks;
}

function failure(name: string, error: unknown, fix: string): Check {
  if (!(error instanceof PipelineError)) throw error;
  return { name, status: 'fail', detail: error.message, fix, exit: exitCodeOf(error) };
}
