/**
 * Render the RAM documents of scripts/deploy/access.ts: a permission policy per identity and, for roles, the trust
 * policy. `npm run policies` rewrites the templates in deploy/ram/ (placeholders left in); with the account's
 * values it prints or writes documents ready to paste:
 *   npm run policies -- --account 1234567890123456 --region cn-hangzhou --bucket qlib-batches --out /tmp/ram
 */
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_NAMES, IDENTITIES, type Identity } from './access.js';
import { renderSlsIndex } from './log-index.js';

const ROOT = resolve(import.meta.dirname, '../..');
export const RAM_DIR = join(ROOT, 'deploy', 'ram');
export const SLS_INDEX = join(ROOT, 'deploy', 'sls-index.json');

export interface RenderedIdentity {
  file: string;
  policy: object;
  trust?: object;
}

/** The permission policy of one identity, every `{name}` in it replaced from `values` (unknown names stay). */
export function renderPolicy(identity: Identity, values: Readonly<Record<string, string>> = {}): object {
  return fill(
    {
      Version: '1',
      Statement: identity.grants.map((g) => ({
        Effect: 'Allow',
        Action: [...g.actions],
        Resource: [...g.resources],
        ...(g.condition === undefined ? {} : { Condition: g.condition }),
      })),
    },
    values,
  );
}

/** The trust policy of a role: which service may assume it. */
export function renderTrust(identity: Identity): object | undefined {
  if (identity.trustedService === undefined) return undefined;
  return {
    Version: '1',
    Statement: [
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: [identity.trustedService] } },
    ],
  };
}

/** Every identity rendered with `values` (templates: none). */
export function renderAll(values: Readonly<Record<string, string>> = {}): RenderedIdentity[] {
  return IDENTITIES.map((identity) => {
    const trust = renderTrust(identity);
    return { file: identity.file, policy: renderPolicy(identity, values), ...(trust ? { trust } : {}) };
  });
}

/** The files of a rendering: `<file>.json`, and `<file>.trust.json` for roles. */
export function filesOf(rendered: readonly RenderedIdentity[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const r of rendered) {
    files.set(`${r.file}.json`, `${JSON.stringify(r.policy, null, 2)}\n`);
    if (r.trust) files.set(`${r.file}.trust.json`, `${JSON.stringify(r.trust, null, 2)}\n`);
  }
  return files;
}

function fill<T>(value: T, values: Readonly<Record<string, string>>): T {
  const text = JSON.stringify(value).replace(
    /\{([A-Za-z]+)\}/g,
    (whole, name: string) => values[name] ?? whole,
  );
  return JSON.parse(text) as T;
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      account: { type: 'string' },
      region: { type: 'string' },
      bucket: { type: 'string' },
      out: { type: 'string' },
      ...Object.fromEntries(Object.keys(DEFAULT_NAMES).map((k) => [k, { type: 'string' as const }])),
    },
  });
  const given = Object.fromEntries(Object.entries(values).filter(([k, v]) => k !== 'out' && v !== undefined));
  const filled = Object.keys(given).length > 0;
  const files = filesOf(renderAll(filled ? { ...DEFAULT_NAMES, ...given } : {}));
  const out = values.out ?? (filled ? undefined : RAM_DIR);
  if (out === undefined) {
    for (const [name, text] of files) process.stdout.write(`// ${name}\n${text}`);
    return;
  }
  await mkdir(out, { recursive: true });
  for (const [name, text] of files) await writeFile(join(out, name), text);
  // The repository's copies in the repository's JSON style (the test compares documents, not bytes).
  if (out === RAM_DIR) {
    await writeFile(SLS_INDEX, `${JSON.stringify(renderSlsIndex(), null, 2)}\n`);
    spawnSync(join(ROOT, 'node_modules', '.bin', 'biome'), ['format', '--write', out, SLS_INDEX], {
      stdio: 'ignore',
    });
  }
  process.stdout.write(`wrote ${files.size} documents to ${out}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`npm run policies: ${(error as Error).message}\n`);
    process.exitCode = 1;
  });
}
