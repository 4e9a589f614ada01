import { defineConfig } from 'vitest/config';

// Integration files each create their own database and BullMQ prefix, so files may run in parallel;
// the machine has two cores, so more forks only add contention.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Every file's Redis prefixes are deleted after it (test/support/setup.ts).
    setupFiles: ['test/support/setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
