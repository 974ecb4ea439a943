import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Test files run in parallel workers; each owns its database and key prefix.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
