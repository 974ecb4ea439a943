import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Bundles functions/<name>/index.ts into dist/functions/ once per run (the FC runtime loads those).
    globalSetup: ['test/global-setup.ts'],
    // Test files run in parallel workers; each owns its database and key prefix. Every test builds its own
    // fixture, so any order passes: `npm test` shuffles files and tests (--sequence.shuffle) and prints the seed.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
