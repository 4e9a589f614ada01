import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfigOrExit, type Config } from './config.ts';
import { createLogger } from './log.ts';
import {
  createKey,
  OperatorError,
  revokeKey,
  rotateWebhookSecret,
  setPlan,
  setQuota,
  setSuspended,
} from './operator.ts';
import { createRedis } from './queue/connection.ts';
import { drainFailed, queueDepths, queueNamed } from './queue/operate.ts';
import { closeQueues, openQueues } from './queue/producer.ts';
import { waitForDependenciesOrExit } from './startup.ts';
import { listAccounts } from './store/accounts.ts';
import { listAudit } from './store/audit.ts';
import { findCodeForOperator } from './store/codes.ts';
import { createDb, type Db } from './store/db.ts';
import { listApiKeys } from './store/keys.ts';
import { prepareDatabase } from './store/migrate.ts';

const USAGE = `usage: npm run cli -- <command> [options] [--actor NAME]
  migrate                                   create the database if missing and apply migrations
  keys create --account NAME [--plan PLAN] [--rate R --burst B] [--quota N] [--json]
                                            create an API key (and the account on first use); prints the
                                            key once, and the webhook secret once, when it creates the account;
                                            --quota sets the account's monthly quota (new or existing account)
  keys list [--account-id ID] [--json]      list keys (prefix only, never the key)
  keys revoke KEY_ID                        revoke a key (takes effect within KEY_CACHE_TTL_MS)
  accounts list [--json]                    list accounts
  accounts set-plan ACCOUNT PLAN            move an account (id or name) to a plan of config/plans.json
  accounts set-quota ACCOUNT N|plan         the account's monthly quota in code units (plan: the plan's again)
  accounts suspend ACCOUNT                  refuse the account's keys (403 account_suspended) until resumed
  accounts resume ACCOUNT                   accept the account's keys again
  accounts rotate-webhook-secret ACCOUNT [--json]
                                            a new webhook signing secret, shown once; the old one keeps
                                            signing for WEBHOOK_PREVIOUS_SECRET_HOURS
  codes show CODE_ID [--json]               any account's code: status, options, error, result, timestamps
  audit [--account-id ID] [--limit N] [--json]
                                            who changed which key or account, and when (newest first)
  plans list [--json]                       list plans from config/plans.json
  queues depth [--json]                     jobs per state for every queue, and which are paused
  queues pause NAME                         stop workers taking new jobs from a queue (active ones finish)
  queues resume NAME                        let workers take jobs from a paused queue again
  queues drain-failed NAME                  delete a queue's failed jobs (the codes stay failed in
                                            PostgreSQL; unfinished ones are re-enqueued by the reconciler)
Changes to keys and accounts are written to the audit log as --actor (default cli:<your user name>).`;

class UsageError extends Error {}

type Options = Record<string, string | boolean | undefined>;

function print(json: boolean, value: unknown): void {
  if (json) console.log(JSON.stringify(value, null, 2));
  else if (Array.isArray(value)) console.table(value);
  else console.log(value);
}

function positiveNumber(value: unknown, name: string, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
    throw new UsageError(`--${name} must be a positive ${integer ? 'integer' : 'number'}`);
  return n;
}

function planNamed(config: Config, plan: unknown): string | undefined {
  if (plan === undefined) return undefined;
  if (typeof plan !== 'string' || !Object.hasOwn(config.plans, plan))
    throw new UsageError(`no plan ${String(plan)}; plans: ${Object.keys(config.plans).join(', ')}`);
  return plan;
}

function required(value: string | undefined, what: string): string {
  if (!value) throw new UsageError(`${what} is missing`);
  return value;
}

function actorOf(options: Options): string {
  if (typeof options.actor === 'string' && options.actor) return options.actor;
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli'; // a container user with no passwd entry
  }
}

async function keysCreate(config: Config, db: Db, actor: string, options: Options): Promise<void> {
  const account = options.account;
  if (typeof account !== 'string' || !account) throw new UsageError('keys create needs --account NAME');
  const plan = planNamed(config, options.plan);
  const created = await createKey(db, actor, {
    account,
    plan: plan ?? config.defaultPlan,
    keyPlan: plan,
    rate: positiveNumber(options.rate, 'rate', false),
    burst: positiveNumber(options.burst, 'burst', true),
    secretsKey: config.secretsKey,
  });
  const quota = positiveNumber(options.quota, 'quota', true);
  if (quota !== undefined) await setQuota(db, actor, created.account_id, quota);
  if (options.json === true) return print(true, quota === undefined ? created : { ...created, monthly_quota: quota });
  const secret = created.webhook_secret
    ? `webhook_secret: ${created.webhook_secret}\n`
    : '(the account existed: its webhook secret is not shown again; `accounts rotate-webhook-secret` makes a new one)\n';
  console.log(
    `key:            ${created.key}\naccount_id:     ${created.account_id}\nkey_id:         ${created.key_id}\n${secret}(shown once: store them now)`,
  );
}

/** Commands that need the database: words are [command, sub, ...args]. */
async function runWithDb(config: Config, db: Db, words: string[], options: Options): Promise<void> {
  const json = options.json === true;
  const actor = actorOf(options);
  const [command, sub, arg, arg2] = words;
  switch (`${command} ${sub ?? ''}`.trim()) {
    case 'keys create':
      return keysCreate(config, db, actor, options);
    case 'keys list':
      return print(
        json,
        await listApiKeys(db, typeof options['account-id'] === 'string' ? options['account-id'] : undefined),
      );
    case 'keys revoke':
      await revokeKey(db, actor, required(arg, 'keys revoke needs KEY_ID'));
      return console.log(`revoked ${arg}`);
    case 'accounts list':
      return print(json, await listAccounts(db));
    case 'accounts set-plan': {
      const plan = planNamed(config, required(arg2, 'accounts set-plan needs ACCOUNT PLAN'))!;
      const account = await setPlan(db, actor, required(arg, 'accounts set-plan needs ACCOUNT'), plan);
      return console.log(`${account.id}: plan ${plan}`);
    }
    case 'accounts set-quota': {
      const given = required(arg2, 'accounts set-quota needs ACCOUNT N|plan');
      const quota = given === 'plan' ? null : positiveNumber(given, 'quota', true)!;
      const account = await setQuota(db, actor, required(arg, 'accounts set-quota needs ACCOUNT'), quota);
      return console.log(`${account.id}: monthly quota ${quota ?? `of plan ${account.plan}`}`);
    }
    case 'accounts suspend':
    case 'accounts resume': {
      const suspend = sub === 'suspend';
      const changed = await setSuspended(db, actor, required(arg, `accounts ${sub} needs ACCOUNT`), suspend);
      return console.log(`${arg}: ${changed ? '' : 'already '}${suspend ? 'suspended' : 'active'}`);
    }
    case 'accounts rotate-webhook-secret': {
      const rotated = await rotateWebhookSecret(
        db,
        actor,
        required(arg, 'accounts rotate-webhook-secret needs ACCOUNT'),
        {
          secretsKey: config.secretsKey,
          previousHours: config.webhookPreviousSecretHours,
        },
      );
      if (json) return print(true, rotated);
      return console.log(
        `webhook_secret: ${rotated.webhook_secret}\n(shown once: the previous secret keeps signing until ${rotated.previous_secret_expires_at})`,
      );
    }
    case 'codes show': {
      const code = await findCodeForOperator(db, required(arg, 'codes show needs CODE_ID'));
      if (!code) throw new OperatorError(`no code ${arg}`);
      return print(json, code);
    }
    case 'audit': {
      const accountId = typeof options['account-id'] === 'string' ? options['account-id'] : undefined;
      const limit = positiveNumber(options.limit, 'limit', true) ?? 100;
      const rows = await listAudit(db, { accountId, limit });
      if (json) return print(true, rows);
      return print(
        false,
        rows.map((r) => ({ ...r, at: r.at.toISOString(), detail: JSON.stringify(r.detail) })),
      );
    }
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
    actor: { type: 'string' },
    plan: { type: 'string' },
    rate: { type: 'string' },
    burst: { type: 'string' },
    quota: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});
const config = loadConfigOrExit();
// Warnings and the one line naming an unreachable dependency go to stderr: stdout stays the command's output.
const log = createLogger(config.logLevel, 'cli', { destination: 2 });
const [command, sub, arg] = positionals;

try {
  if (!command || values.help) {
    console.log(USAGE);
  } else if (command === 'queues') {
    await waitForDependenciesOrExit(config, log, ['redis']);
    await runQueues(config, sub, arg, values.json === true);
  } else if (command === 'plans' && sub === 'list') {
    print(
      values.json === true,
      Object.entries(config.plans).map(([name, plan]) => ({ name, ...plan, default: name === config.defaultPlan })),
    );
  } else {
    await waitForDependenciesOrExit(config, log, ['postgres']);
    const applied = await prepareDatabase(config.databaseUrl);
    if (command === 'migrate') {
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
    } else {
      const db = createDb({ databaseUrl: config.databaseUrl, poolSize: 1 });
      try {
        await runWithDb(config, db, positionals, values);
      } finally {
        await db.destroy();
      }
    }
  }
} catch (error) {
  if (error instanceof OperatorError) {
    console.error(error.message);
    process.exit(1);
  }
  if (!(error instanceof UsageError)) throw error;
  console.error(`${error.message}\n\n${USAGE}`);
  process.exit(2);
}
