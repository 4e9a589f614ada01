import { afterAll } from 'vitest';
import { deletePrefixesInUse } from './redis-prefixes.ts';

// Registered before any test file's hooks, so it runs after them: the file's processes are gone.
afterAll(async () => {
  await deletePrefixesInUse();
});
