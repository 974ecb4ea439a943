/**
 * `npm run bench`: every bench/*.ts module in turn. A module exporting `run()` is imported and run; a
 * plain script (e.g. bench/codec.ts) runs in its own process. Figures only, no assertions.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const modules = readdirSync(HERE)
  .filter((f) => f.endsWith('.ts') && f !== 'main.ts')
  .filter((f) => only.length === 0 || only.includes(f.replace(/\.ts$/, '')))
  .sort();

for (const file of modules) {
  const path = join(HERE, file);
  console.log(`\n== bench/${file}`);
  if (/export\s+(async\s+)?function\s+run\s*\(/.test(readFileSync(path, 'utf8'))) {
    const module = (await import(pathToFileURL(path).href)) as { run: () => Promise<void> | void };
    await module.run();
  } else {
    const result = spawnSync(process.execPath, ['--import', 'tsx', path], { stdio: 'inherit' });
    if (result.status !== 0) console.log(`bench/${file} exited with ${result.status}`);
  }
}
