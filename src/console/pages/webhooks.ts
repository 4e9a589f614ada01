// Webhooks: endpoints (create, edit, disable), the delivery log with every attempt, replay, a test event,
// the signing secret's rotation — /v1/webhook-endpoints…, /v1/webhook-deliveries/{id}/retry, /v1/event-types.
import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import { apiJson, type Problem, type ApiObject } from '../api.ts';
import type { ConsoleEnv } from '../env.ts';
import { csrfField, notice, page, problemNote, secretOnce, when } from '../layout.ts';

const validId = (id: string) => /^whep_[A-Za-z0-9]+$/.test(id);
/** After an action, back to the endpoint's page by GET (a reload must not repeat the action). */
const back = (c: Context<ConsoleEnv>, id: string, text: string) =>
  c.redirect(`/console/webhooks/${id}?notice=${encodeURIComponent(text)}`, 303);
type Shown = { problem?: Problem; secret?: string; done?: string };

async function eventTypes(
  c: Context<ConsoleEnv>,
): Promise<{ type: string; description?: string; example?: unknown }[]> {
  const types = await apiJson<{ data: ApiObject[] }>(c, 'GET', '/v1/event-types');
  return types.ok ? types.body.data : [];
}

function eventBoxes(types: { type: string; description?: string }[], chosen: string[] | null, prefix: string) {
  return html`<fieldset>
    <legend>Events (none ticked: every event)</legend>
    ${types
      .filter((t) => t.type !== 'webhook.test')
      .map(
        (t, i) =>
          html`<div>
            <input
              type="checkbox"
              id="${prefix}-${i}"
              name="events"
              value="${t.type}"
              ${chosen?.includes(t.type) ? ' checked' : ''}
            />
            <label for="${prefix}-${i}"><code>${t.type}</code>${t.description ? ` — ${t.description}` : ''}</label>
          </div>`,
      )}
  </fieldset>`;
}

const eventsOf = (form: Record<string, unknown>) => {
  const all = form['events[]'] ?? form.events;
  const list = (Array.isArray(all) ? all : all === undefined ? [] : [all]).filter(
    (e): e is string => typeof e === 'string',
  );
  return list.length > 0 ? list : null;
};

async function listPage(c: Context<ConsoleEnv>, shown: Shown = {}) {
  const csrf = c.var.session.csrf;
  const [endpoints, types] = await Promise.all([
    apiJson<{ data: ApiObject[] }>(c, 'GET', '/v1/webhook-endpoints'),
    eventTypes(c),
  ]);
  return c.html(
    page({
      title: 'Webhooks',
      current: 'webhooks',
      csrf,
      body: html`${shown.secret ? secretOnce('Signing secret', shown.secret) : ''}${notice(shown.done)}${problemNote(shown.problem ?? (endpoints.ok ? undefined : endpoints.problem))}
        <section aria-labelledby="endpoints">
          <h2 id="endpoints">Endpoints</h2>
          <div class="table">
            <table>
              <thead>
                <tr>
                  <th scope="col">URL</th>
                  <th scope="col">Events</th>
                  <th scope="col">Status</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                ${(endpoints.ok ? endpoints.body.data : []).map(
                  (e) =>
                    html`<tr>
                      <td><a href="/console/webhooks/${e.id}">${e.url}</a></td>
                      <td>${e.events ? e.events.join(', ') : 'every event'}</td>
                      <td>${e.status}</td>
                      <td>${when(e.created_at)}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>
        </section>
        <section aria-labelledby="new-endpoint">
          <h2 id="new-endpoint">Add an endpoint</h2>
          <form method="post" action="/console/webhooks" class="stack">
            ${csrfField(csrf)} <label for="endpoint-url">URL</label
            ><input id="endpoint-url" name="url" type="url" required placeholder="https://example.com/hooks" />
            ${eventBoxes(types, null, 'new-event')}
            <button type="submit">Add endpoint</button>
          </form>
        </section>
        <section aria-labelledby="rotate">
          <h2 id="rotate">Signing secret</h2>
          <form method="post" action="/console/webhooks/rotate-secret">
            ${csrfField(csrf)}
            <p>
              Every endpoint's deliveries are signed with the account's secret; after a rotation the previous one is
              accepted for a while.
            </p>
            <button type="submit">Rotate secret</button>
          </form>
        </section>
        <section aria-labelledby="catalogue">
          <h2 id="catalogue">Event catalogue</h2>
          ${types.map(
            (t) =>
              html`<details>
                <summary><code>${t.type}</code></summary>
                <p>${t.description ?? ''}</p>
                <pre role="region" tabindex="0" aria-label="Example payload of ${t.type}">
${JSON.stringify(t.example ?? {}, null, 2)}</pre>
              </details>`,
          )}
        </section>`,
    }),
    shown.problem ? (shown.problem.status as 422) : 200,
  );
}

async function endpointPage(c: Context<ConsoleEnv>, id: string, shown: Shown = {}) {
  const csrf = c.var.session.csrf;
  const [endpoint, deliveries, types] = await Promise.all([
    apiJson<ApiObject>(c, 'GET', `/v1/webhook-endpoints/${id}`),
    apiJson<{ data: ApiObject[] }>(c, 'GET', `/v1/webhook-endpoints/${id}/deliveries?limit=50`),
    eventTypes(c),
  ]);
  if (!endpoint.ok)
    return c.html(
      page({ title: 'Webhook endpoint', current: 'webhooks', csrf, body: problemNote(endpoint.problem) }),
      endpoint.status as 404,
    );
  const e = endpoint.body;
  return c.html(
    page({
      title: 'Webhook endpoint',
      current: 'webhooks',
      csrf,
      body: html`${notice(shown.done ?? c.req.query('notice'))}${problemNote(shown.problem)}
        <p>
          <code>${e.id}</code> ·
          <strong>${e.status}</strong
          >${e.disabled_reason ? ` (${e.disabled_reason})` : ''}${e.failing_since ? ` · failing since ${when(e.failing_since)}` : ''}
        </p>
        <form method="post" action="/console/webhooks/${e.id}" class="stack">
          ${csrfField(csrf)} <label for="edit-url">URL</label
          ><input id="edit-url" name="url" type="url" required value="${e.url}" />
          ${eventBoxes(types, e.events, 'edit-event')}
          <div>
            <input
              type="checkbox"
              id="edit-enabled"
              name="enabled"
              value="true"
              ${e.status === 'enabled' ? ' checked' : ''}
            />
            <label for="edit-enabled">Enabled</label>
          </div>
          <button type="submit">Save</button>
        </form>
        <form method="post" action="/console/webhooks/${e.id}/test" class="inline">
          ${csrfField(csrf)}<button type="submit">Send test event</button>
        </form>
        <form method="post" action="/console/webhooks/${e.id}/delete" class="inline">
          ${csrfField(csrf)}<button type="submit" class="danger">Delete endpoint</button>
        </form>
        <section aria-labelledby="deliveries">
          <h2 id="deliveries">Deliveries</h2>
          ${problemNote(deliveries.ok ? undefined : deliveries.problem)}
          <ul class="deliveries">
            ${(deliveries.ok ? deliveries.body.data : []).map(
              (d) =>
                html`<li>
                  <p>
                    <code>${d.id}</code> · event <code>${d.event_id}</code> · <strong>${d.status}</strong> ·
                    ${d.attempts} attempt${d.attempts === 1 ? '' : 's'} · created
                    ${when(d.created_at)}${d.next_attempt_at ? ` · next ${when(d.next_attempt_at)}` : ''}
                  </p>
                  <ol>
                    ${d.attempt_log.map((a: ApiObject) => html`<li>Attempt ${a.attempt} at ${when(a.at)}: ${a.status ?? 'no answer'}${a.error ? ` — ${a.error}` : ''} (${a.duration_ms} ms)</li>`)}
                  </ol>
                  <form method="post" action="/console/webhooks/${e.id}/deliveries/${d.id}/retry" class="inline">
                    ${csrfField(csrf)}<button type="submit" aria-label="Replay delivery ${d.id}">Replay</button>
                  </form>
                </li>`,
            )}
          </ul>
        </section>`,
    }),
    shown.problem ? (shown.problem.status as 422) : 200,
  );
}

/** /console/webhooks */
export function webhooksPages() {
  return new Hono<ConsoleEnv>()
    .get('/', (c) => listPage(c))
    .post('/', async (c) => {
      const form = await c.req.parseBody({ all: true });
      const created = await apiJson<ApiObject>(c, 'POST', '/v1/webhook-endpoints', {
        url: form.url,
        ...(eventsOf(form) ? { events: eventsOf(form) } : {}),
      });
      if (!created.ok) return listPage(c, { problem: created.problem });
      return listPage(c, { secret: created.body.secret, done: `Added ${created.body.url}.` });
    })
    .post('/rotate-secret', async (c) => {
      const rotated = await apiJson<ApiObject>(c, 'POST', '/v1/account/webhook-secret/rotate');
      if (!rotated.ok) return listPage(c, { problem: rotated.problem });
      return listPage(c, {
        secret: rotated.body.webhook_secret,
        done: `The previous secret is accepted until ${when(rotated.body.previous_secret_expires_at)}.`,
      });
    })
    .get('/:id', (c) => (validId(c.req.param('id')) ? endpointPage(c, c.req.param('id')) : c.notFound()))
    .post('/:id', async (c) => {
      const id = c.req.param('id');
      if (!validId(id)) return c.notFound();
      const form = await c.req.parseBody({ all: true });
      const saved = await apiJson(c, 'PATCH', `/v1/webhook-endpoints/${id}`, {
        url: form.url,
        events: eventsOf(form),
        enabled: form.enabled === 'true',
      });
      return saved.ok ? back(c, id, 'Saved.') : endpointPage(c, id, { problem: saved.problem });
    })
    .post('/:id/test', async (c) => {
      const id = c.req.param('id');
      if (!validId(id)) return c.notFound();
      const sent = await apiJson<ApiObject>(c, 'POST', `/v1/webhook-endpoints/${id}/test`);
      return sent.ok
        ? back(c, id, `Test event queued as delivery ${sent.body.id}.`)
        : endpointPage(c, id, { problem: sent.problem });
    })
    .post('/:id/delete', async (c) => {
      const id = c.req.param('id');
      if (!validId(id)) return c.notFound();
      const deleted = await apiJson(c, 'DELETE', `/v1/webhook-endpoints/${id}`);
      return deleted.ok
        ? listPage(c, { done: 'Endpoint deleted.' })
        : endpointPage(c, id, { problem: deleted.problem });
    })
    .post('/:id/deliveries/:delivery/retry', async (c) => {
      const id = c.req.param('id');
      if (!validId(id)) return c.notFound();
      const delivery = c.req.param('delivery');
      const replayed = await apiJson<ApiObject>(
        c,
        'POST',
        `/v1/webhook-deliveries/${encodeURIComponent(delivery)}/retry`,
      );
      return replayed.ok
        ? back(c, id, `Replaying ${delivery}: attempt ${replayed.body.attempts + 1} queued.`)
        : endpointPage(c, id, { problem: replayed.problem });
    });
}
