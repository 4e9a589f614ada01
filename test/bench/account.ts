// What every bench against real processes starts with: its own database and prefix, and one API key
// whose limits never get in the measurement's way.
import { loadConfig } from '../../src/config.ts';
import { createDb } from '../../src/store/db.ts';
import { createApiKey } from '../../src/store/keys.ts';
import { prepareDatabase } from '../../src/store/migrate.ts';
import { ROOT, uniqueEnv } from '../support/harness.ts';

export async function benchAccount(overrides: Record<string, string>) {
  const env = uniqueEnv(overrides);
  const config = loadConfig(env, ROOT);
  await prepareDatabase(config.databaseUrl);
  const db = createDb({ databaseUrl: config.databaseUrl, poolSize: 1 });
  try {
    const { key } = await createApiKey(db, {
      account: 'bench',
      plan: config.defaultPlan,
      rate: 1e9,
      burst: 1e9,
      secretsKey: config.secretsKey,
    });
    return { env, config, key };
  } finally {
    await db.destroy();
  }
}
