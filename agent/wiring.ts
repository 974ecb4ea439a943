import { hostname } from 'node:os';
import { createOssClient } from '../adapters/object-store/client.js';
import { OssObjectStore } from '../adapters/object-store/store.js';
import { createLogger, type Logger } from '../core/logger.js';
import { type CliIO, clockOf, type GlobalOptions } from './cli-io.js';
import type { AgentContext } from './context.js';
import { loadCredentials } from './credentials.js';
import { Journal } from './journal/journal.js';
import { logProgress, SILENT_PROGRESS, ttyProgress } from './progress.js';
import { type AgentSettings, loadJournalDir, loadSettings } from './settings.js';
import { batchMibOf } from './split/push-split.js';
import { agentVersion } from './version.js';

/** Settings (file + env, --journal wins) for a CLI run. */
export function settingsFor(io: CliIO, options: GlobalOptions): AgentSettings {
  const settings = loadSettings({ configPath: options.config, env: io.env, home: io.home });
  return options.journal === undefined ? settings : { ...settings, journalDir: options.journal };
}

/** The journal directory alone (--journal wins), for commands that need no OSS. */
export function journalDirFor(io: CliIO, options: GlobalOptions): string {
  return options.journal ?? loadJournalDir({ configPath: options.config, env: io.env, home: io.home });
}

/** JSON lines on stderr (stdout carries the command's result); `quiet`: warnings and errors only. */
export function loggerFor(io: CliIO, quiet = false): Logger {
  const debug = io.env.QLIB_SYNC_LOG_LEVEL === 'debug';
  return createLogger({
    write: io.stderr,
    now: () => new Date(),
    level: debug ? 'debug' : quiet ? 'warn' : 'info',
  });
}

/** The OSS store for these settings and the credentials the environment or the credentials file holds. */
export function storeFor(io: CliIO, settings: AgentSettings): OssObjectStore {
  const { credentials } = loadCredentials(io.env, settings.credentialsFile);
  return new OssObjectStore(
    createOssClient({
      bucket: settings.bucket,
      region: settings.region,
      endpoint: settings.endpoint,
      pathStyle: settings.pathStyle,
      credentials,
      timeoutMs: settings.timeoutMs,
      clockOffsetMs: io.now === undefined ? 0 : io.now().getTime() - Date.now(),
    }),
  );
}

/**
 * Everything a command needs, wired the same way for the cloud and the local stack. `quiet` (push and
 * resume off a terminal without --verbose, cli-io.ts isQuiet): no progress, warnings and errors only.
 */
export function contextFor(io: CliIO, options: GlobalOptions, quiet = false): AgentContext {
  const settings = settingsFor(io, options);
  const store = storeFor(io, settings);
  const logger = loggerFor(io, quiet);
  const journal = Journal.open(settings.journalDir);
  const progress = quiet
    ? SILENT_PROGRESS
    : io.isTTY && !options.json
      ? ttyProgress(io.stderr)
      : logProgress(logger);
  return {
    settings,
    store,
    journal,
    logger,
    progress,
    now: clockOf(io),
    producer: { host: hostname(), agentVersion: agentVersion() },
    batchMib: batchMibOf(io.env),
    ...(io.sleep === undefined ? {} : { sleep: io.sleep }),
  };
}
