import { Hono, type Context } from 'hono';
import * as v from 'valibot';
import { EVENT_CATALOG, TEST_EVENT_TYPE } from '../../domain/events.ts';
import { isDeliveryId, isEventId, isId, newId } from '../../domain/ids.ts';
import { newWebhookSecret, sealSecret } from '../../domain/secrets.ts';
import { assertConnected } from '../../queue/connection.ts';
import { enqueueDeliveries } from '../../queue/producer.ts';
import { listEvents } from '../../store/events.ts';
import type { EventRow, WebhookEndpointRow } from '../../store/schema.ts';
import {
  deleteEndpoint,
  findDelivery,
  findEndpoint,
  insertTestDelivery,
  insertEndpoint,
  listDeliveries,
  listDeliveriesOfEvent,
  listEndpoints,
  retryDelivery,
  rotateAccountSecret,
  updateEndpoint,
  type DeliveryWithAttempts,
} from '../../store/webhooks.ts';
import { recordAudit } from '../../store/audit.ts';
import { readJsonObject } from '../body.ts';
import { apiKeyRequired } from '../middleware/anonymous-scope.ts';
import { iso } from '../code-object.ts';
import { limitQuery } from '../list-query.ts';
import type { ApiDeps } from '../deps.ts';
import type { AppEnv } from '../env.ts';
import { ApiProblem, fieldErrors, validationProblem } from '../problem.ts';
import { checkWebhookFields, EndpointPatchSchema } from '../webhook-target.ts';

export function toEventObject(row: EventRow) {
  return {
    id: row.id,
    object: 'event' as const,
    type: row.type,
    timestamp: row.created_at.toISOString(),
    data: row.data,
  };
}

function toEndpointObject(row: WebhookEndpointRow, secret?: string) {
  return {
    id: row.id,
    object: 'webhook_endpoint' as const,
    url: row.url,
    events: row.events.length > 0 ? row.events : null,
    created_at: iso(row.created_at),
    status: row.disabled_at ? 'disabled' : 'enabled',
    disabled_at: iso(row.disabled_at),
    disabled_reason: row.disabled_reason,
    failing_since: iso(row.failing_since),
    ...(secret ? { secret } : {}),
    links: { self: `/v1/webhook-endpoints/${row.id}`, deliveries: `/v1/webhook-endpoints/${row.id}/deliveries` },
  };
}

export function toDeliveryObject(row: DeliveryWithAttempts) {
  return {
    id: row.id,
    object: 'webhook_delivery' as const,
    event_id: row.event_id,
    endpoint_id: row.endpoint_id,
    target: row.target,
    url: row.url,
    status: row.status,
    attempts: row.attempts,
    next_attempt_at: row.status === 'pending' ? iso(row.next_attempt_at) : null,
    last_status: row.last_status,
    last_error: row.last_error,
    created_at: iso(row.created_at),
    completed_at: iso(row.completed_at),
    attempt_log: row.attempt_log.map((a) => ({
      attempt: a.attempt,
      status: a.status_code,
      duration_ms: a.duration_ms,
      error: a.error,
      at: iso(a.created_at),
    })),
  };
}

/** Webhook settings belong to an account: anonymous callers have none. */
function accountOf(c: Context<AppEnv>): string {
  if (c.var.identity.kind !== 'key') throw apiKeyRequired('Webhooks');
  return c.var.accountId;
}

/** Query of GET /v1/events (also what the OpenAPI document shows). */
export function eventsQuerySchema(config: Pick<ApiDeps['config'], 'listDefaultLimit' | 'listMaxLimit'>) {
  return v.strictObject({
    after: v.optional(
      v.pipe(
        v.string(),
        v.check(isEventId, 'must be an event id'),
        v.description('Events after this one (next_cursor or last_id of a page). Checked by the server: an event id.'),
      ),
    ),
    limit: limitQuery(config.listDefaultLimit, config.listMaxLimit),
  });
}

/** Query of GET /v1/webhook-endpoints/{id}/deliveries. */
export function deliveriesQuerySchema(config: Pick<ApiDeps['config'], 'listDefaultLimit' | 'listMaxLimit'>) {
  return v.strictObject({
    cursor: v.optional(
      v.pipe(
        v.string(),
        v.check(isDeliveryId, 'is not a cursor from this API'),
        v.description('next_cursor of the previous page. Checked by the server: a cursor this API gave.'),
      ),
    ),
    limit: limitQuery(config.listDefaultLimit, config.listMaxLimit),
  });
}

/** /v1/events, /v1/webhook-endpoints, /v1/webhook-deliveries, /v1/account/webhook-secret. */
export function webhooksRoutes(deps: ApiDeps) {
  const { config } = deps;
  const eventsQuery = eventsQuerySchema(config);
  const deliveriesQuery = deliveriesQuerySchema(config);

  async function ownEndpoint(accountId: string, id: string): Promise<WebhookEndpointRow> {
    const row = isId('whep', id) ? await findEndpoint(deps.db, accountId, id) : undefined;
    if (!row) throw new ApiProblem({ code: 'not_found', detail: `No webhook endpoint ${id}` });
    return row;
  }

  return new Hono<AppEnv>()
    .get('/events', async (c) => {
      const accountId = accountOf(c);
      const query = v.safeParse(eventsQuery, c.req.query());
      if (!query.success) throw validationProblem(fieldErrors(query.issues));
      const { after, limit } = query.output;
      const rows = await listEvents(deps.db, accountId, { after, limit });
      return c.json({
        object: 'list',
        data: rows.map(toEventObject),
        next_cursor: rows.length === limit ? rows.at(-1)!.id : null,
        last_id: rows.at(-1)?.id ?? after ?? null,
      });
    })
    .get('/events/:id/deliveries', async (c) => {
      const accountId = accountOf(c);
      const id = c.req.param('id');
      if (!isEventId(id)) throw new ApiProblem({ code: 'not_found', detail: `No event ${id}` });
      const rows = await listDeliveriesOfEvent(deps.db, accountId, id);
      return c.json({ object: 'list', data: rows.map(toDeliveryObject), next_cursor: null });
    })
    .post('/webhook-endpoints', async (c) => {
      const accountId = accountOf(c);
      const body = await readJsonObject(c);
      const unknown = Object.keys(body)
        .filter((k) => k !== 'url' && k !== 'events')
        .map((path) => ({ path, message: 'is not a known field' }));
      const checked = await checkWebhookFields(
        config,
        { url: body.url ?? '', events: body.events },
        { url: 'url', events: 'events' },
      );
      if (unknown.length + checked.errors.length > 0 || !checked.url)
        throw validationProblem([...unknown, ...checked.errors]);
      const secret = newWebhookSecret();
      const row = await insertEndpoint(deps.db, {
        id: newId('whep'),
        account_id: accountId,
        url: checked.url,
        events: checked.events ?? [],
        secret: sealSecret(secret, config.secretsKey),
      });
      // The secret is shown here once; it is stored sealed.
      return c.json(toEndpointObject(row, secret), 201, { Location: `/v1/webhook-endpoints/${row.id}` });
    })
    .get('/webhook-endpoints', async (c) => {
      const rows = await listEndpoints(deps.db, accountOf(c));
      return c.json({ object: 'list', data: rows.map((row) => toEndpointObject(row)), next_cursor: null });
    })
    .get('/webhook-endpoints/:id', async (c) =>
      c.json(toEndpointObject(await ownEndpoint(accountOf(c), c.req.param('id')))),
    )
    .patch('/webhook-endpoints/:id', async (c) => {
      const accountId = accountOf(c);
      const endpoint = await ownEndpoint(accountId, c.req.param('id'));
      const body = await readJsonObject(c);
      const parsed = v.safeParse(EndpointPatchSchema, body, { abortEarly: false });
      const errors = parsed.success ? [] : fieldErrors(parsed.issues);
      // The SSRF check of a well-formed url runs even when other fields are bad: one 422 lists all.
      const url = errors.some((e) => e.path === 'url') ? undefined : body.url;
      const checked = await checkWebhookFields(config, { url, events: undefined }, { url: 'url', events: 'events' });
      errors.push(...checked.errors);
      if (!parsed.success || errors.length > 0) throw validationProblem(errors);
      const { events, enabled } = parsed.output;
      // null or [] means every event, as at creation.
      const row = await updateEndpoint(deps.db, accountId, endpoint.id, {
        url: checked.url ?? undefined,
        events: events === null ? [] : events && [...new Set(events)],
        enabled,
      });
      if (!row) throw new ApiProblem({ code: 'not_found', detail: `No webhook endpoint ${endpoint.id}` });
      return c.json(toEndpointObject(row));
    })
    .delete('/webhook-endpoints/:id', async (c) => {
      const accountId = accountOf(c);
      const row = await ownEndpoint(accountId, c.req.param('id'));
      await deleteEndpoint(deps.db, accountId, row.id);
      return c.json({ id: row.id, object: 'webhook_endpoint', deleted: true });
    })
    .get('/webhook-endpoints/:id/deliveries', async (c) => {
      const accountId = accountOf(c);
      const endpoint = await ownEndpoint(accountId, c.req.param('id'));
      const query = v.safeParse(deliveriesQuery, c.req.query());
      if (!query.success) throw validationProblem(fieldErrors(query.issues));
      const { cursor, limit } = query.output;
      const rows = await listDeliveries(deps.db, accountId, endpoint.id, { before: cursor, limit: limit + 1 });
      const page = rows.slice(0, limit);
      return c.json({
        object: 'list',
        data: page.map(toDeliveryObject),
        next_cursor: rows.length > limit ? page.at(-1)!.id : null,
      });
    })
    .post('/webhook-endpoints/:id/test', async (c) => {
      const accountId = accountOf(c);
      const endpoint = await ownEndpoint(accountId, c.req.param('id'));
      assertConnected(deps.queues.connection);
      const deliveryId = await insertTestDelivery(deps.db, {
        accountId,
        endpointId: endpoint.id,
        url: endpoint.url,
        type: TEST_EVENT_TYPE,
        data: {
          object: 'webhook_test',
          endpoint_id: endpoint.id,
          message: 'A test event: your endpoint receives and verifies our webhooks.',
        },
      });
      await enqueueDeliveries(deps.queues, [{ deliveryId, attempt: 1 }]);
      return c.json(toDeliveryObject((await findDelivery(deps.db, accountId, deliveryId))!), 202, {
        Location: `/v1/webhook-deliveries/${deliveryId}`,
      });
    })
    .get('/event-types', (c) =>
      c.json({
        object: 'list',
        data: EVENT_CATALOG.map((entry) => ({ object: 'event_type', ...entry })),
        next_cursor: null,
      }),
    )
    .get('/webhook-deliveries/:id', async (c) => {
      const accountId = accountOf(c);
      const id = c.req.param('id');
      const row = isDeliveryId(id) ? await findDelivery(deps.db, accountId, id) : undefined;
      if (!row) throw new ApiProblem({ code: 'not_found', detail: `No webhook delivery ${id}` });
      return c.json(toDeliveryObject(row));
    })
    .post('/webhook-deliveries/:id/retry', async (c) => {
      const accountId = accountOf(c);
      const id = c.req.param('id');
      const existing = isDeliveryId(id) ? await findDelivery(deps.db, accountId, id) : undefined;
      if (!existing) throw new ApiProblem({ code: 'not_found', detail: `No webhook delivery ${id}` });
      assertConnected(deps.queues.connection);
      const attempt = await retryDelivery(deps.db, accountId, id);
      // Still pending: its next attempt is already scheduled. Otherwise one more attempt, now.
      if (attempt !== undefined) await enqueueDeliveries(deps.queues, [{ deliveryId: id, attempt }]);
      return c.json(toDeliveryObject((await findDelivery(deps.db, accountId, id))!), 202);
    })
    .post('/account/webhook-secret/rotate', async (c) => {
      const accountId = accountOf(c);
      const secret = newWebhookSecret();
      const previousUntil = new Date(Date.now() + config.webhookPreviousSecretHours * 3_600_000);
      const identity = c.var.identity;
      await deps.db.transaction().execute(async (trx) => {
        await rotateAccountSecret(trx, accountId, sealSecret(secret, config.secretsKey), previousUntil);
        await recordAudit(trx, {
          actor: identity.kind === 'key' ? `key:${identity.keyId}` : 'anonymous',
          action: 'account.webhook_secret_rotated',
          accountId,
          targetId: accountId,
          detail: { previous_secret_expires_at: previousUntil.toISOString() },
        });
      });
      return c.json({
        object: 'webhook_secret',
        webhook_secret: secret,
        previous_secret_expires_at: previousUntil.toISOString(),
      });
    });
}
