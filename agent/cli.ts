#!/usr/bin/env node
import { homedir } from 'node:os';
import type { CliIO } from './cli-io.js';
import { runCli } from './program.js';
import { divertUrllibWarnings } from './vendor-noise.js';

/**
 * The qlib-sync binary. SIGINT/SIGTERM ask a running command to stop cleanly (watch finishes the push in
 * progress); a second signal exits at once (the journal is crash-safe: `resume` finishes the upload).
 */
const stop = new AbortController();
let signals = 0;
const onSignal = (signal: NodeJS.Signals) => {
  signals += 1;
  if (signals > 1) process.exit(signal === 'SIGINT' ? 130 : 143);
  stop.abort();
};
// `qlib-sync status | head` closes stdout early: that is the reader's choice, not a crash.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const io: CliIO = {
  env: process.env,
  home: homedir(),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTTY: process.stderr.isTTY === true,
  stop: stop.signal,
};

// urllib's "callback twice" dumps are noise for a person reading the output (vendor-noise.ts).
divertUrllibWarnings((line) => {
  if (io.env.QLIB_SYNC_LOG_LEVEL === 'debug') io.stderr(`${JSON.stringify({ level: 'debug', msg: line })}\n`);
});
process.exitCode = await runCli(process.argv.slice(2), io);
process.off('SIGINT', onSignal);
process.off('SIGTERM', onSignal);
