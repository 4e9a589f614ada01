import { Hono, type Context } from 'hono';
import * as v from 'valibot';
import { isId } from '../../domain/ids.ts';
import { dayOf, quotaPeriod, usageField } from '../../limits/quota.ts';
import { findAccount } from '../../store/accounts.ts';
import { recordAudit } from '../../store/audit.ts';
import {
  countLiveKeys,
  insertAccountKey,
  listAccountKeys,
  revokeAccountKey,
  rollAccountKey,
  type KeyView,
} from '../../store/keys.ts';
import { deliveriesByDay, storedBytesByDay } from '../../store/usage.ts';
import { readJsonObject } from '../body.ts';
import type { ApiDeps } from '../deps.ts';
import type { AppEnv } from '../env.ts';
import { planOf } from '../plan.ts';
import { ApiProblem, fieldErrors, validationProblem } from '../problem.ts';
import { quotasOf } from '../quota.ts';
import { apiKeyRequired } from '../middleware/anonymous-scope.ts';

const DAY_MS = 86_400_000;

const KeyNameSchema = v.pipe(
  v.string('must be a string'),
  v.description('A label to tell keys apart. Checked by the server: not blank (it is trimmed).'),
  v.trim(),
  v.minLength(1),
  v.maxLength(100),
);

/** POST /v1/keys */
export const CreateKeySchema = v.strictObject({
  name: v.optional(KeyNameSchema),
  scope: v.optional(
    v.pipe(
      v.picklist(['full', 'render'], 'must be full or render'),
      v.description('full: every operation; render: only render and read codes (a key a web page may hold).'),
    ),
    'full',
  ),
  expires_at: v.optional(
    v.pipe(
      v.string('must be an ISO 8601 timestamp'),
      v.isoTimestamp('must be an ISO 8601 timestamp'),
      v.description('When the key stops working. Checked by the server: an ISO 8601 timestamp in the future.'),
      v.transform((s) => new Date(s)),
      v.check((d) => d.getTime() > Date.now(), 'must be in the future'),
    ),
  ),
});

/** POST /v1/keys/{id}/roll */
export function rollKeySchema(defaultGrace: number, maxGrace: number) {
  return v.strictObject({
    grace_seconds: v.optional(
      v.pipe(
        v.number('must be a number of seconds'),
        v.integer('must be whole seconds'),
        v.minValue(0),
        v.maxValue(maxGrace),
        v.description('Seconds the old key keeps working (KEY_ROLL_GRACE_SECONDS by default).'),
      ),
      defaultGrace,
    ),
  });
}

/** GET /v1/usage */
export function usageQuerySchema(maxDays: number) {
  const day = (description: string) =>
    v.pipe(
      v.string(),
      v.isoDate('must be a date, YYYY-MM-DD'),
      v.description(
        `${description} Checked by the server: a date YYYY-MM-DD, from not after to, at most ${maxDays} days.`,
      ),
    );
  return v.pipe(
    v.strictObject({
      from: v.optional(day('First UTC day (default 29 days before to).')),
      to: v.optional(day('Last UTC day (default today).')),
      granularity: v.optional(v.pipe(v.picklist(['day'], 'must be day'), v.description('Only day.')), 'day'),
    }),
    v.transform((q) => {
      const to = q.to ?? dayOf(new Date());
      const from = q.from ?? dayOf(new Date(Date.parse(to) - 29 * DAY_MS));
      return { ...q, from, to };
    }),
    // Named on `from`, the field a caller changes to fix them.
    v.forward(
      v.check((q) => q.from <= q.to, 'must not be after to'),
      ['from'],
    ),
    v.forward(
      v.check(
        (q) => (Date.parse(q.to) - Date.parse(q.from)) / DAY_MS < maxDays,
        `must be less than ${maxDays} days before to`,
      ),
      ['from'],
    ),
  );
}

function toKeyObject(key: KeyView) {
  const now = Date.now();
  const state = key.revoked_at ? 'revoked' : key.expires_at && key.expires_at.getTime() <= now ? 'expired' : 'active';
  return {
    id: key.id,
    object: 'key',
    name: key.name,
    prefix: key.prefix,
    scope: key.scope,
    status: state,
    created_at: key.created_at.toISOString(),
    last_used_at: key.last_used_at?.toISOString() ?? null,
    expires_at: key.expires_at?.toISOString() ?? null,
    revoked_at: key.revoked_at?.toISOString() ?? null,
  };
}

/** The API key id of the caller; anonymous callers have no account to manage. */
function ownKeyId(c: Context<AppEnv>): string {
  const identity = c.var.identity;
  if (identity.kind !== 'key') throw apiKeyRequired('The account API');
  return identity.keyId;
}

function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(from); t <= Date.parse(to); t += DAY_MS) days.push(dayOf(new Date(t)));
  return days;
}

/** /v1/account, /v1/keys, /v1/usage: what an account manages itself. */
export function accountRoutes(deps: ApiDeps) {
  const { config, db } = deps;
  const rollSchema = rollKeySchema(config.keyRollGraceSeconds, config.keyRollMaxGraceSeconds);
  const usageQuery = usageQuerySchema(config.usageMaxDays);
  const notFound = (id: string) => new ApiProblem({ code: 'not_found', detail: `No key ${id}` });

  return new Hono<AppEnv>()
    .get('/account', async (c) => {
      ownKeyId(c);
      const account = (await findAccount(db, c.var.accountId))!;
      const plan = planOf(config, c.var.identity);
      const quota = c.var.identity.quota;
      const period = quotaPeriod(new Date());
      const used = await quotasOf(deps).used(account.id);
      return c.json({
        id: account.id,
        object: 'account',
        name: account.name,
        plan: c.var.identity.policy.name,
        created_at: account.created_at.toISOString(),
        limits: {
          rate: c.var.identity.policy.rate,
          burst: c.var.identity.policy.burst,
          max_batch_rows: Math.min(config.batchMaxRows, plan.maxBatchRows),
          max_concurrent_batches: plan.maxConcurrentBatches,
        },
        quota: {
          monthly: quota?.monthly ?? null,
          used,
          remaining: quota ? Math.max(0, quota.monthly - used) : null,
          costs: { code: 1, styled: plan.styledCost, logo: plan.logoCost },
          period_start: period.start.toISOString(),
          resets_at: period.end.toISOString(),
        },
      });
    })
    .get('/keys', async (c) => {
      ownKeyId(c);
      const keys = await listAccountKeys(db, c.var.accountId);
      return c.json({ object: 'list', data: keys.map(toKeyObject), next_cursor: null });
    })
    .post('/keys', async (c) => {
      const actor = `key:${ownKeyId(c)}`;
      const parsed = v.safeParse(CreateKeySchema, await readJsonObject(c));
      if (!parsed.success) throw validationProblem(fieldErrors(parsed.issues));
      const accountId = c.var.accountId;
      const created = await db.transaction().execute(async (trx) => {
        // Serialises creations per account, so a burst cannot pass the key limit.
        await trx.selectFrom('accounts').select('id').where('id', '=', accountId).forUpdate().execute();
        if ((await countLiveKeys(trx, accountId)) >= config.accountMaxKeys)
          throw new ApiProblem({
            code: 'too_many_keys',
            detail: `The account holds ${config.accountMaxKeys} live keys; revoke one first.`,
          });
        const { name, scope, expires_at } = parsed.output;
        const result = await insertAccountKey(trx, {
          accountId,
          name: name ?? null,
          scope,
          expiresAt: expires_at ?? null,
        });
        await recordAudit(trx, { actor, action: 'key.created', accountId, targetId: result.key.id, detail: { scope } });
        return result;
      });
      return c.json({ ...toKeyObject(created.key), secret: created.secret }, 201, {
        Location: `/v1/keys/${created.key.id}`,
      });
    })
    .post('/keys/:id/roll', async (c) => {
      const actor = `key:${ownKeyId(c)}`;
      const id = c.req.param('id');
      // The body is optional; one that is sent is read like any other (bad JSON or text is a 4xx, not ignored).
      const empty = c.req.raw.body === null || c.req.header('content-length') === '0';
      const body = empty ? {} : await readJsonObject(c);
      const parsed = v.safeParse(rollSchema, body);
      if (!parsed.success) throw validationProblem(fieldErrors(parsed.issues));
      if (!isId('key', id)) throw notFound(id);
      const accountId = c.var.accountId;
      const graceUntil = new Date(Date.now() + parsed.output.grace_seconds * 1000);
      const rolled = await db.transaction().execute(async (trx) => {
        const result = await rollAccountKey(trx, accountId, id, graceUntil);
        if (!result) throw notFound(id);
        await recordAudit(trx, {
          actor,
          action: 'key.rolled',
          accountId,
          targetId: id,
          detail: { successor: result.key.id, grace_until: graceUntil.toISOString() },
        });
        return result;
      });
      return c.json(
        { ...toKeyObject(rolled.key), secret: rolled.secret, previous: toKeyObject(rolled.previous) },
        201,
        {
          Location: `/v1/keys/${rolled.key.id}`,
        },
      );
    })
    .delete('/keys/:id', async (c) => {
      const actor = `key:${ownKeyId(c)}`;
      const id = c.req.param('id');
      if (!isId('key', id)) throw notFound(id);
      const accountId = c.var.accountId;
      const revoked = await db.transaction().execute(async (trx) => {
        const key = await revokeAccountKey(trx, accountId, id);
        if (!key) throw notFound(id);
        await recordAudit(trx, { actor, action: 'key.revoked', accountId, targetId: id });
        return key;
      });
      return c.json(toKeyObject(revoked));
    })
    .get('/usage', async (c) => {
      ownKeyId(c);
      const query = v.safeParse(usageQuery, c.req.query());
      if (!query.success) throw validationProblem(fieldErrors(query.issues));
      const { from, to, granularity } = query.output;
      const accountId = c.var.accountId;
      const days = daysBetween(from, to);
      const start = new Date(Date.parse(from));
      const end = new Date(Date.parse(to) + DAY_MS);
      const [codes, deliveries, bytes] = await Promise.all([
        quotasOf(deps).usage(accountId, days),
        deliveriesByDay(db, accountId, start, end),
        storedBytesByDay(db, accountId, start, end),
      ]);
      const totals = { codes: 0, webhook_deliveries: 0, bytes_stored: 0 };
      const data = days.map((day) => {
        const bySymbology: Record<string, number> = {};
        const byFormat: Record<string, number> = {};
        let count = 0;
        for (const [field, n] of Object.entries(codes.get(day) ?? {})) {
          const { symbology, format } = usageField(field);
          bySymbology[symbology] = (bySymbology[symbology] ?? 0) + n;
          byFormat[format] = (byFormat[format] ?? 0) + n;
          count += n;
        }
        const row = {
          date: day,
          codes: count,
          by_symbology: bySymbology,
          by_format: byFormat,
          webhook_deliveries: deliveries.get(day) ?? 0,
          bytes_stored: bytes.get(day) ?? 0,
        };
        totals.codes += row.codes;
        totals.webhook_deliveries += row.webhook_deliveries;
        totals.bytes_stored += row.bytes_stored;
        return row;
      });
      return c.json({ object: 'usage', from, to, granularity, totals, data, next_cursor: null });
    });
}
