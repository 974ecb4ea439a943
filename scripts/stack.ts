/**
 * `npm run stack -- [--function ingest] [file]`: map the frames of a stack trace from the function logs
 * (`…/index.js:3105:1520`) back to the TypeScript sources, through the source map the build keeps outside the
 * code package (dist/sourcemaps/<function>/index.js.map; build the same commit that is deployed). Reads the
 * file, or stdin.
 */
import { readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(import.meta.dirname, '..');

/**
 * Replace every `index.js:<line>:<column>` frame with `<source>:<line>:<column>` (sources relative to `root`;
 * the map names them relative to its own directory, `mapDir`); unmapped frames stay.
 */
export function mapStack(text: string, map: SourceMap, mapDir: string, root = ROOT): string {
  return text.replace(/(?:[^\s()]*\/)?index\.js:(\d+):(\d+)/g, (frame, line: string, column: string) => {
    const entry = map.findEntry(Number(line) - 1, Number(column) - 1) as {
      originalSource?: string;
      originalLine?: number;
      originalColumn?: number;
    };
    if (entry.originalSource === undefined || entry.originalLine === undefined) return frame;
    const absolute = entry.originalSource.startsWith('file://')
      ? new URL(entry.originalSource).pathname
      : resolve(mapDir, entry.originalSource);
    const source = relative(root, absolute);
    return `${source}:${entry.originalLine + 1}:${(entry.originalColumn ?? 0) + 1}`;
  });
}

/** The source map of a built function, and its directory. */
export function loadSourceMap(fn: string, root = ROOT): { map: SourceMap; dir: string } {
  const dir = join(root, 'dist', 'sourcemaps', fn);
  const payload = JSON.parse(readFileSync(join(dir, 'index.js.map'), 'utf8'));
  return { map: new SourceMap(payload as SourceMapPayload), dir };
}

function main(): void {
  const { values, positionals } = parseArgs({
    options: { function: { type: 'string' } },
    allowPositionals: true,
  });
  const text = readFileSync(positionals[0] ?? 0, 'utf8');
  const { map, dir } = loadSourceMap(values.function ?? 'ingest');
  process.stdout.write(mapStack(text, map, dir));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
