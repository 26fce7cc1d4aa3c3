import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Files run in parallel in separate processes; each opens its own SQLite file or PostgreSQL schema.
    pool: 'forks',
  },
});
