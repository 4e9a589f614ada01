import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { AggregatorRegistry, type Registry } from 'prom-client';

const keyPrefix = (prefix: string) => `${prefix}:metrics:`;

/**
 * Publishes this process's registry to Redis every `everyMs`, with a TTL of three periods, so that
 * any API process (on any machine) can answer a scrape for all of them and a dead process drops out.
 * Returns a stop function that also removes the entry.
 */
export function publishMetrics(
  redis: Redis,
  options: { prefix: string; registry: Registry; role: string; everyMs: number },
): () => Promise<void> {
  const key = `${keyPrefix(options.prefix)}${options.role}:${hostname()}:${process.pid}`;
  const publish = async () => {
    const json = await options.registry.getMetricsAsJSON();
    await redis.set(key, JSON.stringify(json), 'PX', options.everyMs * 3);
  };
  void publish().catch(() => {});
  const timer = setInterval(() => void publish().catch(() => {}), options.everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await redis.del(key).catch(() => 0);
  };
}

/**
 * Every live process's metrics summed per series (prom-client's cluster aggregation): `own` is read
 * live, the others from what they last published.
 */
export async function gatherMetrics(
  redis: Redis,
  options: { prefix: string; own?: Registry; ownRole?: string },
): Promise<Registry> {
  const ownKey = options.ownRole
    ? `${keyPrefix(options.prefix)}${options.ownRole}:${hostname()}:${process.pid}`
    : undefined;
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${keyPrefix(options.prefix)}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...found.filter((k) => k !== ownKey));
  } while (cursor !== '0');
  const published = keys.length ? await redis.mget(keys) : [];
  const all: object[] = published.filter((s): s is string => s !== null).map((s) => JSON.parse(s) as object);
  if (options.own) all.push(await options.own.getMetricsAsJSON());
  return AggregatorRegistry.aggregate(all);
}
