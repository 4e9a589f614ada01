import { Hono } from 'hono';
import { sql } from 'kysely';
import { isMigrated } from '../../store/migrate.ts';
import type { ApiDeps } from '../deps.ts';

const CHECK_TIMEOUT_MS = 2000;

async function check(probe: () => Promise<unknown>): Promise<'ok' | string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS))),
    ]);
    return 'ok';
  } catch (error) {
    return (error as Error).message || 'failed';
  } finally {
    clearTimeout(timer);
  }
}

/** /healthz: the process is alive. /readyz: Redis and PostgreSQL answer, migrations applied, not shutting down. */
export function healthRoutes(deps: ApiDeps) {
  let migrated = false;
  const checkMigrations = async () => {
    migrated ||= await isMigrated(deps.db);
    if (!migrated) throw new Error('migrations pending');
  };
  return new Hono()
    .get('/healthz', (c) => c.json({ status: 'ok' }))
    .get('/readyz', async (c) => {
      if (deps.isShuttingDown?.()) return c.json({ status: 'shutting_down' }, 503);
      const [redis, postgres] = await Promise.all([
        check(() => deps.redis.ping()),
        check(async () => {
          await sql`select 1`.execute(deps.db);
          await checkMigrations();
        }),
      ]);
      const ready = redis === 'ok' && postgres === 'ok';
      return c.json({ status: ready ? 'ready' : 'unavailable', checks: { redis, postgres } }, ready ? 200 : 503);
    });
}
