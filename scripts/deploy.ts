/**
 * `npm run deploy`: check the deploy settings, then hand over to Serverless Devs' `s` (scripts/deploy/s-cli.ts).
 * s.yaml's pre-deploy action bundles the functions first, so `s deploy` run by hand builds too.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runS } from './deploy/s-cli.js';

const ROOT = resolve(import.meta.dirname, '..');

export const DEPLOY_USAGE = `Usage: npm run deploy [-- <options>]

Deploys s.yaml (the functions, their triggers, async retries and destinations) with Serverless Devs' \`s\`, the
@serverless-devs/s devDependency of this project. s.yaml's pre-deploy action bundles the functions first
(npm run build:functions). Settings come from the environment; docs/deploy.md lists them and walks through the
first deploy.

  npm run deploy                  s deploy: asks before it overwrites a function changed in the console
  npm run deploy -- -y            s deploy -y: no questions (CI)
  npm run deploy -- --plan        s plan: show what would change, deploy nothing
  npm run deploy -- --help        this text, then Serverless Devs' own help
Any other option goes to s as is (e.g. -a <alias> for another credential from \`s config add\`, --debug).
Without every required setting it stops before calling s and names all the missing ones.
\`s deploy --help\` / \`s plan --help\` show the fc3 component's own options (s downloads the component first).

Serverless Devs' help:
`;

/** What `npm run deploy -- <args>` runs: s's arguments, or help. Pure. */
export function deployCommand(args: readonly string[]): { help: true } | { help: false; sArgs: string[] } {
  if (args.includes('--help') || args.includes('-h')) return { help: true };
  const rest = args.filter((a) => a !== '--plan');
  return { help: false, sArgs: [args.includes('--plan') ? 'plan' : 'deploy', ...rest] };
}

/** The environment variables s.yaml reads without a default (`${env('NAME')}`) that `env` lacks. Pure. */
export function missingDeploySettings(
  sYaml: string,
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  const required = new Set<string>();
  for (const m of sYaml.matchAll(/\$\{\s*env\(\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]\s*\)\s*\}/g))
    required.add(m[1] as string);
  return [...required].filter((name) => (env[name] ?? '') === '').sort();
}

async function main(args: string[]): Promise<number> {
  const command = deployCommand(args);
  if (command.help) {
    process.stdout.write(DEPLOY_USAGE);
    return (await runS(['--help'], { cwd: ROOT, env: process.env, inherit: true })).code;
  }
  const missing = missingDeploySettings(await readFile(resolve(ROOT, 's.yaml'), 'utf8'), process.env);
  if (missing.length > 0) {
    process.stderr.write(
      `npm run deploy: s.yaml needs these settings in the environment: ${missing.join(', ')}\n` +
        'see docs/deploy.md ("Deploy"), or npm run deploy -- --help\n',
    );
    return 2;
  }
  return (await runS(command.sArgs, { cwd: ROOT, env: process.env, inherit: true })).code;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`npm run deploy failed: ${(error as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
