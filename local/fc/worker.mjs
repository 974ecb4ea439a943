// One FC instance: a child process that loads the function's code and serves one request at a time
// over IPC (instance.ts is the other side). Plain JS so it runs under bare `node` with exactly the
// function's environment, like the nodejs20 runtime's bootstrap (https://help.aliyun.com/document_detail/156876.html).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';

const modules = new Map();
let codeDir = '';

process.on('disconnect', () => process.exit(0));
process.on('message', (message) => {
  void handle(message).then((reply) => process.send?.(reply));
});

async function handle(message) {
  switch (message.type) {
    case 'load':
      codeDir = message.codeDir;
      return { type: 'loaded', error: await failure(() => resolveHandler(message.handler)) };
    case 'initialize':
    case 'preStop':
      return {
        type: `${message.type}-done`,
        error: await failure(async () => {
          const hook = await resolveHandler(message.handler);
          await hook(withLogger(message.context));
        }),
      };
    case 'invoke':
      return invoke(message);
    default:
      return { type: 'unknown', error: { errorMessage: `unknown message ${message.type}` } };
  }
}

async function invoke(message) {
  let value;
  const error = await failure(async () => {
    const handler = await resolveHandler(message.handler);
    value = await handler(Buffer.from(message.event), withLogger(message.context));
  });
  return error === undefined ? { type: 'result', result: encode(value) } : { type: 'result', error };
}

/** FC converts the return value: a Buffer as is, an object as JSON, anything else as a string. */
function encode(value) {
  if (value === undefined || value === null) return { kind: 'empty' };
  if (value instanceof Uint8Array) return { kind: 'bytes', bytes: value };
  if (typeof value === 'string') return { kind: 'string', text: value };
  if (typeof value === 'object') {
    // An HTTP answer ({statusCode, headers, body, …} of strings, finite numbers, booleans) reads back from JSON
    // as it is: sent as the object, it skips a JSON round trip of a body that may be megabytes.
    if (isFlatJson(value)) return { kind: 'object', value };
    const text = JSON.stringify(value);
    return text === undefined ? { kind: 'empty' } : { kind: 'json', text };
  }
  return { kind: 'string', text: String(value) };
}

/** Own values that survive JSON unchanged: strings, booleans, null, finite numbers but -0, and flat objects of strings. */
function isFlatJson(value) {
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  return Object.values(value).every((v) => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
    if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0);
    if (typeof v !== 'object' || Object.getPrototypeOf(v) !== Object.prototype) return false;
    return Object.values(v).every((h) => typeof h === 'string');
  });
}

async function failure(run) {
  try {
    await run();
    return undefined;
  } catch (error) {
    if (error instanceof Error) {
      return {
        errorMessage: error.message,
        errorType: error.name,
        stackTrace: (error.stack ?? '').split('\n'),
      };
    }
    return { errorMessage: String(error) };
  }
}

/** `index.handler` → export `handler` of `<code>/index.js` (or .mjs/.cjs); the file part may hold dots. */
async function resolveHandler(spec) {
  const dot = spec.lastIndexOf('.');
  const file = spec.slice(0, dot);
  const name = spec.slice(dot + 1);
  const mod = await load(file);
  const fn = mod[name] ?? mod.default?.[name];
  if (typeof fn !== 'function') throw new Error(`Handler '${name}' missing on module '${file}'`);
  return fn;
}

async function load(file) {
  if (!modules.has(file)) {
    const path = ['.js', '.mjs', '.cjs'].map((ext) => join(codeDir, file + ext)).find((p) => existsSync(p));
    if (path === undefined) throw new Error(`Cannot find module '${join(codeDir, file)}'`);
    modules.set(file, await import(pathToFileURL(path).href));
  }
  return modules.get(file);
}

/** context.logger writes `<ISO date> <requestId> [LEVEL] msg` lines to stdout, as FC's runtime does. */
function withLogger(context) {
  const line =
    (level) =>
    (...args) =>
      process.stdout.write(
        `${new Date().toISOString()} ${context.requestId} [${level}] ${format(...args)}\n`,
      );
  const logger = {
    debug: line('DEBUG'),
    info: line('INFO'),
    warn: line('WARN'),
    error: line('ERROR'),
    log: line('INFO'),
  };
  return { ...context, logger };
}

process.send?.({ type: 'ready' });
