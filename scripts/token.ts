/**
 * `npm run token -- create|list|revoke`: the HTTP API's bearer tokens (docs/api.md, "Tokens"), in the database of
 * MYSQL_URL (default mysql://root@127.0.0.1:3306/qlib, as `npm run migrate`). A token is shown once, at create;
 * the database keeps only its SHA-256.
 */
import { pathToFileURL } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { type TokenRecord, TokenStore } from '../adapters/warehouse/api-tokens.js';
import { createPool } from '../adapters/warehouse/pool.js';
import { isScope, SCOPES } from '../core/api/token.js';
import { PipelineError, TerminalError } from '../core/errors.js';

export interface TokenCliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: Record<string, string | undefined>;
  now: () => Date;
}

const HELP_AFTER = `
Scopes: read:data (values, calendars, markets, datasets), read:status (load history, health, the status page),
admin (all of these, and managing datasets and markets).

Examples:
  npm run token -- create --name web --scope read:data
  npm run token -- create --name ops --scope read:status --scope read:data --expires 90d
  npm run token -- list
  npm run token -- revoke web
The database is MYSQL_URL's (default mysql://root@127.0.0.1:3306/qlib).`;

/** Run the command line; the exit code (0 ok, 1 failed, 2 bad usage). */
export async function runTokenCli(argv: string[], io: TokenCliIo): Promise<number> {
  const url = io.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/qlib';
  const pool = createPool({ url, connectionLimit: 1 });
  const store = new TokenStore(pool);
  let code = 0;
  const program = new Command('npm run token --')
    .description('Create, list and revoke the HTTP API tokens')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .addHelpText('after', HELP_AFTER);
  program
    .command('create')
    .description('create a token and print it (once)')
    .requiredOption('--name <name>', 'who or what uses it (unique among tokens not revoked)', nameArg)
    .requiredOption('--scope <scope...>', `one or more of ${SCOPES.join(', ')}`, scopeArg, [] as string[])
    .option('--expires <when>', 'an age (90d, 12h) or a UTC date/time (2027-01-01); default: never')
    .option('--json', 'print JSON')
    .action(async (o: { name: string; scope: string[]; expires?: string; json?: boolean }) => {
      const expiresAt = o.expires === undefined ? null : expiry(o.expires, io.now());
      const { token, record } = await store.create(o.name, [...new Set(o.scope)], expiresAt);
      if (o.json) io.out(JSON.stringify({ token, ...record }));
      else {
        io.out(
          `token ${record.name} (id ${record.id}), scopes ${record.scopes.join(', ')}, ${record.expiresAt === null ? 'never expires' : `expires ${record.expiresAt} UTC`}`,
        );
        io.out(token);
        io.out(
          'Shown once: store it now (the database keeps only its SHA-256). Send it as Authorization: Bearer <token>.',
        );
      }
    });
  program
    .command('list')
    .description('list every token (never the secret)')
    .option('--json', 'print JSON lines')
    .action(async (o: { json?: boolean }) => {
      const tokens = await store.list();
      for (const t of tokens) io.out(o.json ? JSON.stringify(t) : describe(t));
      if (!o.json && tokens.length === 0)
        io.out('no tokens yet: npm run token -- create --name <name> --scope read:data');
    });
  program
    .command('revoke <nameOrId>')
    .description('revoke the tokens with this name (or id); requests with them get 401 from then on')
    .action(async (nameOrId: string) => {
      const n = await store.revoke(nameOrId);
      if (n === 0) {
        io.err(`no active token named ${nameOrId} (or with that id): npm run token -- list`);
        code = 1;
      } else io.out(`revoked ${n} token${n === 1 ? '' : 's'} ${nameOrId}`);
    });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    return explain(error, io);
  } finally {
    await pool.end();
  }
}

function explain(error: unknown, io: TokenCliIo): number {
  const e = error as { code?: string; exitCode?: number; message?: string };
  if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
    return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : 2;
  }
  if (error instanceof PipelineError) io.err(`${error.code}: ${error.message}`);
  else if (e.code === 'ER_NO_SUCH_TABLE')
    io.err(`${e.message}: run \`npm run migrate\` on this database first`);
  else io.err(`token command failed: ${e.message ?? String(error)}`);
  return 1;
}

function describe(t: TokenRecord): string {
  const state =
    t.revokedAt !== null ? `revoked ${t.revokedAt}` : t.expired ? `expired ${t.expiresAt}` : 'active';
  const expires = t.expiresAt === null ? 'never expires' : `expires ${t.expiresAt}`;
  return `${t.id}  ${t.name.padEnd(16)} ${t.scopes.join(',').padEnd(28)} ${state.padEnd(32)} ${expires}, created ${t.createdAt}, last used ${t.lastUsedAt ?? 'never'}`;
}

function nameArg(value: string): string {
  if (!/^[A-Za-z0-9_.@-]{1,64}$/.test(value)) throw new InvalidArgumentError('1-64 letters, digits, _ . @ -');
  return value;
}

function scopeArg(value: string, previous: string[]): string[] {
  const scopes = value.split(',').map((s) => s.trim());
  const bad = scopes.filter((s) => !isScope(s));
  if (bad.length > 0)
    throw new InvalidArgumentError(`unknown scope ${bad.join(', ')}: use ${SCOPES.join(', ')}`);
  return [...previous, ...scopes];
}

/** `90d` / `12h` from now, or a UTC date (`2027-01-01`) or time (`2027-01-01T08:00:00Z`), as DATETIME text. */
export function expiry(text: string, now: Date): string {
  const age = /^(\d{1,5})([dh])$/.exec(text);
  let ms: number;
  if (age !== null) ms = now.getTime() + Number(age[1]) * (age[2] === 'd' ? 86_400_000 : 3_600_000);
  else if (/^\d{4}-\d{2}-\d{2}$/.test(text)) ms = Date.parse(`${text}T00:00:00Z`);
  else if (/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/.test(text)) ms = Date.parse(text);
  else ms = Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new TerminalError(
      'TOKEN_EXPIRES_INVALID',
      `--expires ${text}: give 90d, 12h, 2027-01-01 or 2027-01-01T08:00:00Z`,
    );
  }
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const io: TokenCliIo = {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
    now: () => new Date(),
  };
  runTokenCli(process.argv.slice(2), io).then((code) => {
    process.exitCode = code;
  });
}
