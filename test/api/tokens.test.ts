import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTokenCli } from '../../scripts/token.js';
import { type ApiEnvironment, startApi } from './api-harness.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** `npm run token -- …` as a person runs it (node + tsx, its own process); exit code and output. */
function tokenCommand(
  args: string[],
  mysqlUrl: string,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(ROOT, 'scripts/token.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, MYSQL_URL: mysqlUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString('utf8');
    });
    child.once('error', fail);
    child.once('exit', (code) => done({ code, out, err }));
  });
}

/** The command line in-process, with captured output. */
async function cli(args: string[], mysqlUrl: string, now = new Date()) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runTokenCli(args, {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    env: { MYSQL_URL: mysqlUrl },
    now: () => now,
  });
  return { code, out, err };
}

describe('API tokens', () => {
  let api: ApiEnvironment;

  beforeAll(async () => {
    api = await startApi('tokens');
  });

  afterAll(async () => {
    await api?.close();
  });

  it('create → use → revoke → 401, end to end through `npm run token` and the HTTP trigger', async () => {
    const created = await tokenCommand(['create', '--name', 'web', '--scope', 'read:data'], api.db.url);
    expect(created.code, created.err).toBe(0);
    const [summary, token] = created.out.trim().split('\n');
    expect(summary).toMatch(/^token web \(id [0-9a-f]{12}\), scopes read:data, never expires$/);
    expect(token).toMatch(/^qct_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    // Only the digest is stored.
    const [row] = await api.query('SELECT secret_sha256, scopes FROM api_tokens WHERE name = ?', ['web']);
    expect(row).toMatchObject({ scopes: 'read:data' });
    expect(token).not.toContain(String(row?.secret_sha256));
    expect(String(row?.secret_sha256)).toMatch(/^[0-9a-f]{64}$/);

    const used = await api.json('/v1/datasets', token);
    expect(used).toEqual({ status: 200, body: { datasets: [] } });
    const [touched] = await api.query('SELECT last_used_at FROM api_tokens WHERE name = ?', ['web']);
    expect(touched?.last_used_at).not.toBeNull();

    const revoked = await tokenCommand(['revoke', 'web'], api.db.url);
    expect(revoked).toMatchObject({ code: 0, out: 'revoked 1 token web\n' });
    const refused = await api.call('/v1/datasets', token);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe(
      'Bearer realm="qlib-cloud-sync", error="invalid_token"',
    );
    expect(((await refused.json()) as { error: unknown }).error).toMatchObject({
      code: 'TOKEN_REVOKED',
      message: 'the token web was revoked',
    });
    const listed = await tokenCommand(['list', '--json'], api.db.url);
    const lines = listed.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { name: string });
    expect(lines.find((t) => t.name === 'web')).toMatchObject({
      name: 'web',
      scopes: ['read:data'],
      revokedAt: expect.any(String),
    });
  }, 60_000);

  it('401s a missing, malformed, wrong or expired token, each with a JSON error saying which', async () => {
    const good = await api.token(['read:data'], 'good');
    const wrongSecret = `${good.slice(0, 17)}${good.slice(17).split('').reverse().join('')}`;
    const expired = await cli(
      ['create', '--name', 'old', '--scope', 'read:data', '--expires', '1h', '--json'],
      api.db.url,
      new Date('2020-01-01T00:00:00Z'),
    );
    expect(expired.code).toBe(0);
    const oldToken = JSON.parse(expired.out[0] as string).token;
    const cases: [string | undefined, string][] = [
      [undefined, 'TOKEN_MISSING'],
      ['not-a-token', 'TOKEN_INVALID'],
      [wrongSecret, 'TOKEN_INVALID'],
      [`qct_000000000000_${'A'.repeat(43)}`, 'TOKEN_INVALID'],
      [oldToken, 'TOKEN_EXPIRED'],
    ];
    for (const [token, code] of cases) {
      const r = await api.json('/v1/datasets', token);
      expect(r.status, code).toBe(401);
      expect(r.body.error.code).toBe(code);
      expect(typeof r.body.error.message).toBe('string');
    }
    const basic = await api.call('/v1/datasets', undefined, {
      headers: { authorization: 'Basic dXNlcjpwdw==' },
    });
    expect(basic.status).toBe(401);
  });

  it('403s a token without the scope a route needs; admin may do everything', async () => {
    const data = await api.token(['read:data'], 'data-only');
    const status = await api.token(['read:status'], 'status-only');
    const admin = await api.token(['admin'], 'root');
    const denied = await api.call('/v1/batches', data);
    expect(denied.status).toBe(403);
    expect(denied.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(((await denied.json()) as { error: unknown }).error).toMatchObject({
      code: 'FORBIDDEN_SCOPE',
      message: 'the token data-only lacks the scope read:status',
    });
    expect((await api.json('/v1/calendars/cn', status)).body.error.code).toBe('FORBIDDEN_SCOPE');
    expect((await api.json('/v1/batches', status)).status).toBe(200);
    expect((await api.json('/v1/batches', admin)).status).toBe(200);
    expect((await api.json('/v1/health', admin)).status).toBe(200);
    expect((await api.json('/v1/datasets', status)).status).toBe(200);
  });

  it('the command refuses what would not work, and says what to do', async () => {
    const badScope = await cli(['create', '--name', 'x', '--scope', 'write:data'], api.db.url);
    expect(badScope.code).toBe(2);
    expect(badScope.err.join('\n')).toContain('unknown scope write:data: use read:data, read:status, admin');
    expect((await cli(['create', '--name', 'twice', '--scope', 'read:data'], api.db.url)).code).toBe(0);
    const twice = await cli(['create', '--name', 'twice', '--scope', 'read:data'], api.db.url);
    expect(twice).toMatchObject({ code: 1, err: [expect.stringContaining('TOKEN_NAME_TAKEN')] });
    const unknown = await cli(['revoke', 'nobody'], api.db.url);
    expect(unknown).toMatchObject({
      code: 1,
      err: [expect.stringContaining('no active token named nobody')],
    });
    const badExpiry = await cli(
      ['create', '--name', 'y', '--scope', 'read:data', '--expires', 'soon'],
      api.db.url,
    );
    expect(badExpiry).toMatchObject({ code: 1, err: [expect.stringContaining('--expires soon: give 90d')] });
    const help = await cli(['--help'], api.db.url);
    expect(help.code).toBe(0);
    expect(help.out.join('\n')).toContain('npm run token -- create --name web --scope read:data');
  });
});
