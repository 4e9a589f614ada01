// Keys: list, create (the secret shown once), roll, revoke — GET/POST /v1/keys, /roll, DELETE.
import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import { apiJson, type Problem, type ApiObject } from '../api.ts';
import type { ConsoleEnv } from '../env.ts';
import { csrfField, notice, page, problemNote, secretOnce, when } from '../layout.ts';

async function keysPage(c: Context<ConsoleEnv>, extra: { problem?: Problem; secret?: string; done?: string } = {}) {
  const csrf = c.var.session.csrf;
  const keys = await apiJson<{ data: ApiObject[] }>(c, 'GET', '/v1/keys');
  const rows = keys.ok ? keys.body.data : [];
  return c.html(
    page({
      title: 'Keys',
      current: 'keys',
      csrf,
      body: html`${extra.secret ? secretOnce('Your new key', extra.secret) : ''}${notice(extra.done)}${problemNote(extra.problem ?? (keys.ok ? undefined : keys.problem))}
        <section aria-labelledby="create-key">
          <h2 id="create-key">Create a key</h2>
          <form method="post" action="/console/keys" class="stack">
            ${csrfField(csrf)} <label for="key-name">Name</label
            ><input id="key-name" name="name" maxlength="100" placeholder="ci" /> <label for="key-scope">Scope</label
            ><select id="key-scope" name="scope">
              <option value="full">full — every API call</option>
              <option value="render">render — render and read only (for pages)</option>
            </select>
            <label for="key-expires">Expires (optional, UTC)</label
            ><input id="key-expires" name="expires_at" type="datetime-local" />
            <button type="submit">Create key</button>
          </form>
        </section>
        <section aria-labelledby="key-list">
          <h2 id="key-list">Your keys</h2>
          <div class="table">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Prefix</th>
                  <th scope="col">Scope</th>
                  <th scope="col">Status</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                ${rows.map(
                  (k) =>
                    html`<tr>
                      <td>${k.name ?? '—'}</td>
                      <td><code>${k.prefix}…</code></td>
                      <td>${k.scope}</td>
                      <td>${k.status}</td>
                      <td>${when(k.created_at)}</td>
                      <td>${when(k.last_used_at)}</td>
                      <td>${when(k.expires_at)}</td>
                      <td>
                        ${
                          k.status === 'active'
                            ? html`<form method="post" action="/console/keys/${k.id}/roll" class="inline">
                                  ${csrfField(csrf)}<button type="submit" aria-label="Roll key ${k.name ?? k.prefix}">
                                    Roll
                                  </button>
                                </form>
                                <form method="post" action="/console/keys/${k.id}/revoke" class="inline">
                                  ${csrfField(csrf)}<button
                                    type="submit"
                                    class="danger"
                                    aria-label="Revoke key ${k.name ?? k.prefix}"
                                  >
                                    Revoke
                                  </button>
                                </form>`
                            : ''
                        }
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>
        </section>`,
    }),
    extra.problem ? (extra.problem.status as 422) : 200,
  );
}

/** /console/keys */
export function keysPages() {
  return new Hono<ConsoleEnv>()
    .get('/', (c) => keysPage(c))
    .post('/', async (c) => {
      const form = await c.req.parseBody();
      const body: Record<string, unknown> = { scope: form.scope === 'render' ? 'render' : 'full' };
      if (typeof form.name === 'string' && form.name.trim()) body.name = form.name.trim();
      if (typeof form.expires_at === 'string' && form.expires_at)
        body.expires_at = new Date(`${form.expires_at}Z`).toISOString();
      const created = await apiJson(c, 'POST', '/v1/keys', body);
      if (!created.ok) return keysPage(c, { problem: created.problem });
      return keysPage(c, { secret: created.body.secret });
    })
    .post('/:id/roll', async (c) => {
      const rolled = await apiJson(c, 'POST', `/v1/keys/${encodeURIComponent(c.req.param('id'))}/roll`, {});
      if (!rolled.ok) return keysPage(c, { problem: rolled.problem });
      return keysPage(c, {
        secret: rolled.body.secret,
        done: `Rolled: the old key works until ${when(rolled.body.previous?.expires_at)}.`,
      });
    })
    .post('/:id/revoke', async (c) => {
      const revoked = await apiJson(c, 'DELETE', `/v1/keys/${encodeURIComponent(c.req.param('id'))}`);
      if (!revoked.ok) return keysPage(c, { problem: revoked.problem });
      return keysPage(c, { done: `Revoked ${revoked.body.prefix}…` });
    });
}
