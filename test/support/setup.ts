import fc from 'fast-check';
import { afterAll } from 'vitest';
import { deletePrefixesInUse } from './redis-prefixes.ts';

// A property that failed in CI prints its seed; FC_SEED replays that run (with FC_PATH, its shrunk case).
if (process.env.FC_SEED)
  fc.configureGlobal({
    seed: Number(process.env.FC_SEED),
    ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}),
  });

// Registered before any test file's hooks, so it runs after them: the file's processes are gone.
afterAll(async () => {
  await deletePrefixesInUse();
});
