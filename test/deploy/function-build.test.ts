import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuiltFunction, buildFunctions } from '../../scripts/build-functions.js';
import { mapStack } from '../../scripts/stack.js';

const ROOT = resolve(import.meta.dirname, '../..');
let dir: string;
let built: BuiltFunction[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fn-build-'));
  built = await buildFunctions({ outDir: join(dir, 'functions'), mapDir: join(dir, 'maps') });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** 1-based line and column of `needle` in `text`. */
function positionOf(text: string, needle: string): { line: number; column: number } {
  const at = text.indexOf(needle);
  const before = text.slice(0, at).split('\n');
  return { line: before.length, column: (before.at(-1) as string).length + 1 };
}

describe('the function code packages', () => {
  it('hold the bundle and its package.json only: the source map stays outside, unreferenced', () => {
    const ingest = built.find((b) => b.name === 'ingest') as BuiltFunction;
    expect(readdirSync(join(dir, 'functions', 'ingest')).sort()).toEqual(['index.js', 'package.json']);
    const code = readFileSync(ingest.outfile, 'utf8');
    expect(code).not.toContain('sourceMappingURL');
    expect(ingest.sourceMap).toBe(join(dir, 'maps', 'ingest', 'index.js.map'));
  });

  it('carry one iconv-lite and none of zod’s translations: what a cold start reads, scans and compiles', () => {
    for (const fn of built) {
      const { sources } = JSON.parse(readFileSync(fn.sourceMap, 'utf8')) as { sources: string[] };
      const iconv = sources.filter((s) => /node_modules\/(.+\/)?iconv-lite\/lib\/index\.js$/.test(s));
      // urllib (under ali-oss) would bring its own 0.6 beside mysql2's 0.7: 0.5 MB of code page tables twice.
      expect(iconv.length, fn.name).toBeLessThanOrEqual(1);
      // `import * as z from 'zod'` lets esbuild drop the locales no schema uses; `import { z }` keeps all of them.
      const locales = sources.filter((s) => /zod\/v4\/locales\/(?!(en|index)\.js$)/.test(s));
      expect(locales, fn.name).toEqual([]);
    }
    const ingest = built.find((b) => b.name === 'ingest') as BuiltFunction;
    expect(ingest.bytes).toBeLessThan(2.2 * 1024 * 1024);
  });

  it('map a logged stack frame back to the TypeScript source (npm run stack)', () => {
    const ingest = built.find((b) => b.name === 'ingest') as BuiltFunction;
    const message = 'dropping an event that is not an OSS event';
    const { line, column } = positionOf(readFileSync(ingest.outfile, 'utf8'), message);
    const map = new SourceMap(JSON.parse(readFileSync(ingest.sourceMap, 'utf8')));
    const source = positionOf(readFileSync(join(ROOT, 'functions/ingest/index.ts'), 'utf8'), message);
    const mapped = mapStack(
      `    at handler (/code/index.js:${line}:${column})`,
      map,
      dirname(ingest.sourceMap),
    );
    // The frame lands on the string literal's token, its opening quote: one column before the text.
    expect(mapped).toBe(`    at handler (functions/ingest/index.ts:${source.line}:${source.column - 1})`);
  });
});
