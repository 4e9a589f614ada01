import { parseArgs } from 'node:util';
import { loadConfigOrExit, type Config } from './config.ts';
import { createRedis } from './queue/connection.ts';
import { drainFailed, queueDepths, queueNamed } from './queue/operate.ts';
import { closeQueues, openQueues } from './queue/producer.ts';
import { listAccounts } from './store/accounts.ts';
import { createDb, type Db } from './store/db.ts';
import { createApiKey, listApiKeys, revokeApiKey } from './store/keys.ts';
import { prepareDatabase } from './store/migrate.ts';

const USAGE = `usage: npm run cli -- <command> [options]
  migrate                                   create the database if missing and apply migrations
  keys create --account NAME [--plan PLAN] [--rate R --burst B] [--json]
                                            create an API key (and the account on first use);
                                            prints the key and the account's webhook secret once
  keys list [--account-id ID] [--json]      list keys (prefix only, never the key)
  keys revoke KEY_ID                        revoke a key (takes effect within KEY_CACHE_TTL_MS)
  accounts list [--json]                    list accounts
  plans list [--json]                       list plans from config/plans.json
  queues depth [--json]                     jobs per state for every queue, and which are paused
  queues pause NAME                         stop workers taking new jobs from a queue (active ones finish)
  queues resume NAME                        let workers take jobs from a paused queue again
  queues drain-failed NAME                  delete a queue's failed jobs (the codes stay failed in
                                            PostgreSQL; unfinished ones are re-enqueued by the reconciler)`;

class UsageError extends Error {}

function print(json: boolean, value: unknown): void {
  if (json) console.log(JSON.stringify(value, null, 2));
  else if (Array.isArray(value)) console.table(value);
  else console.log(value);
}

function positiveNumber(value: string | undefined, name: string, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
    throw new UsageError(`--${name} must be a positive ${integer ? 'integer' : 'number'}`);
  return n;
}

async function run(
  config: Config,
  db: Db,
  words: string[],
  options: Record<string, string | boolean | undefined>,
): Promise<void> {
  const json = options.json === true;
  switch (words.join(' ')) {
    case 'keys create': {
      const account = options.account;
      if (typeof account !== 'string' || !account) throw new UsageError('keys create needs --account NAME');
      const plan = typeof options.plan === 'string' ? options.plan : undefined;
      if (plan !== undefined && !(plan in config.plans))
        throw new UsageError(`no plan ${plan}; plans: ${Object.keys(config.plans).join(', ')}`);
      const rate = positiveNumber(options.rate as string | undefined, 'rate', false);
      const burst = positiveNumber(options.burst as string | undefined, 'burst', true);
      const created = await createApiKey(db, {
        account,
        plan: plan ?? config.defaultPlan,
        keyPlan: plan,
        rate,
        burst,
        secretsKey: config.secretsKey,
      });
      if (json) print(true, created);
      else
        console.log(
          `key:            ${created.key}\naccount_id:     ${created.account_id}\nkey_id:         ${created.key_id}\nwebhook_secret: ${created.webhook_secret}\n(shown once: store them now)`,
        );
      return;
    }
    case 'keys list':
      return print(
        json,
        await listApiKeys(db, typeof options['account-id'] === 'string' ? options['account-id'] : undefined),
      );
    case 'accounts list':
      return print(json, await listAccounts(db));
    default:
      throw new UsageError(`unknown command: ${words.join(' ')}`);
  }
}

async function runQueues(
  config: Config,
  sub: string | undefined,
  name: string | undefined,
  json: boolean,
): Promise<void> {
  const queues = openQueues(createRedis(config.redisUrl, 'producer'), config.queuePrefix);
  try {
    if (sub === 'depth') return print(json, await queueDepths(queues));
    const queue = queueNamed(name);
    if (!queue)
      throw new UsageError(
        `queues ${sub ?? ''} needs a queue name: ${Object.keys(queues)
          .filter((k) => k !== 'connection')
          .join(', ')}`,
      );
    if (sub === 'pause') await queues[queue].pause();
    else if (sub === 'resume') await queues[queue].resume();
    else if (sub === 'drain-failed')
      return console.log(`removed ${await drainFailed(queues, queue)} failed jobs from ${queue}`);
    else throw new UsageError(`unknown command: queues ${sub ?? ''}`);
    console.log(`${queue}: ${sub === 'pause' ? 'paused' : 'resumed'}`);
  } finally {
    await closeQueues(queues);
    queues.connection.disconnect();
  }
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    account: { type: 'string' },
    'account-id': { type: 'string' },
    plan: { type: 'string' },
    rate: { type: 'string' },
    burst: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});
const config = loadConfigOrExit();
const [command, sub, arg] = positionals;

try {
  if (!command || values.help) {
    console.log(USAGE);
  } else if (command === 'migrate') {
    const applied = await prepareDatabase(config.databaseUrl);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
  } else if (command === 'queues') {
    await runQueues(config, sub, arg, values.json === true);
  } else if (command === 'plans' && sub === 'list') {
    print(
      values.json === true,
      Object.entries(config.plans).map(([name, plan]) => ({ name, ...plan, default: name === config.defaultPlan })),
    );
  } else {
    await prepareDatabase(config.databaseUrl);
    const db = createDb({ databaseUrl: config.databaseUrl, poolSize: 1 });
    try {
      if (command === 'keys' && sub === 'revoke') {
        if (!arg) throw new UsageError('keys revoke needs KEY_ID');
        if (!(await revokeApiKey(db, arg))) throw new UsageError(`no live key ${arg}`);
        console.log(`revoked ${arg}`);
      } else {
        await run(config, db, [command, sub ?? ''], values);
      }
    } finally {
      await db.destroy();
    }
  }
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`${error.message}\n\n${USAGE}`);
  process.exit(2);
}
