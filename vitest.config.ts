import { defineConfig } from 'vitest/config';

// Tests whose assertions are latency bounds (p99 of another account's requests under attack, a render
// not slowed beyond 2x, the artillery scenarios' p99 thresholds): they run after the rest, one file at a
// time, so what they measure is the service under its load, not the other test files sharing the two cores.
const LATENCY_BOUNDED = [
  'test/integration/preflight-fairness.test.ts',
  'test/integration/logo-bomb.test.ts',
  'test/integration/load.test.ts',
];

// Integration files each create their own database and BullMQ prefix, so files may run in parallel;
// the machine has two cores, so more forks only add contention.
export default defineConfig({
  test: {
    // Every file's Redis prefixes are deleted after it (test/support/setup.ts).
    setupFiles: ['test/support/setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: LATENCY_BOUNDED } },
      {
        extends: true,
        test: {
          name: 'latency',
          include: LATENCY_BOUNDED,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
