import type { Context, Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { authenticate, bearerToken, permit } from '../auth.js';
import type { ApiEnv, Caller } from '../deps.js';
import { HttpError } from '../http-error.js';
import { loginPage, statusPage } from '../status/page.js';

const COOKIE = 'qlib_status_token';
const MONTH_SECONDS = 30 * 24 * 3600;

/**
 * GET / is the status page, for people. It is not public: the first visit shows a form that asks for a token
 * (scope read:status) once; the token then lives in an HttpOnly, SameSite=Strict cookie that only this page
 * accepts (the /v1 API takes bearer tokens only, so the cookie can never drive a management call).
 */
export function statusRoutes(app: Hono<ApiEnv>): void {
  app.get('/', async (c) => {
    if (c.req.query('logout') !== undefined) {
      return c.html(loginPage('Signed out.'), 401, {
        'set-cookie': cookie(c, '', 0),
        'cache-control': 'no-store',
      });
    }
    const header = bearerToken(c.req.header('authorization'));
    const token = header ?? getCookie(c, COOKIE);
    if (token === undefined) return c.html(loginPage(), 401, { 'cache-control': 'no-store' });
    const caller = await signIn(c, token);
    if ('message' in caller)
      return c.html(loginPage(caller.message), caller.status, { 'cache-control': 'no-store' });
    return c.html(await statusPage(c.env, caller), 200, { 'cache-control': 'no-store' });
  });

  app.post('/', async (c) => {
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const token = typeof form.token === 'string' ? form.token.trim() : '';
    const caller = await signIn(c, token);
    if ('message' in caller)
      return c.html(loginPage(caller.message), caller.status, { 'cache-control': 'no-store' });
    // Post/redirect/get: a reload does not send the token again.
    return c.body(null, 303, {
      location: './',
      'set-cookie': cookie(c, token, MONTH_SECONDS),
      'cache-control': 'no-store',
    });
  });
}

async function signIn(
  c: Context<ApiEnv>,
  token: string,
): Promise<Caller | { status: 401 | 403; message: string }> {
  try {
    const caller = await authenticate(c.env, token);
    permit(caller, ['read:status']);
    return caller;
  } catch (error) {
    if (error instanceof HttpError && (error.status === 401 || error.status === 403)) {
      return { status: error.status, message: error.message };
    }
    throw error;
  }
}

/** Secure everywhere but on this machine (a browser refuses Secure cookies over plain http on another host). */
function cookie(c: Context<ApiEnv>, value: string, maxAge: number): string {
  const host = new URL(c.req.url).hostname;
  const local = host === 'localhost' || host === '127.0.0.1' || host === '[::1]';
  return `${COOKIE}=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${local ? '' : '; Secure'}`;
}
