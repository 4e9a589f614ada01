// Codes: the account's codes (GET /v1/codes, filterable), each with its image, receipt and download.
import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import { apiJson, callApi, type ApiObject } from '../api.ts';
import type { ConsoleEnv } from '../env.ts';
import { page, problemNote, when } from '../layout.ts';

const STATUSES = ['', 'queued', 'processing', 'succeeded', 'failed', 'canceled'];

/** The verification receipt of a code object, in words. */
export function receipt(code: ApiObject) {
  const v = code.verification;
  if (!v) return html`<span>not verified</span>`;
  return html`<span class="${v.verified ? 'ok' : 'bad'}">${v.verified ? 'verified' : 'NOT verified'}</span> by
    ${v.decoder}: read <code>${v.decoded_text ?? '—'}</code>${v.symbology ? ` as ${v.symbology}` : ''} at
    ${when(v.checked_at)}`;
}

/** Streams an API image response back to the browser (optionally as a download). */
export async function relayContent(c: Context<ConsoleEnv>, apiPath: string, filename?: string) {
  const res = await callApi(c, 'GET', apiPath);
  const headers = new Headers();
  for (const name of ['content-type', 'etag', 'content-length', 'retry-after']) {
    const value = res.headers.get(name);
    if (value) headers.set(name, value);
  }
  headers.set('cache-control', 'private, no-store');
  if (filename && res.ok) headers.set('content-disposition', `attachment; filename="${filename}"`);
  return new Response(res.body, { status: res.status, headers });
}

/** /console/codes */
export function codesPages() {
  return new Hono<ConsoleEnv>()
    .get('/', async (c) => {
      const status = c.req.query('status') ?? '';
      const batch = c.req.query('batch_id') ?? '';
      const query = new URLSearchParams({ limit: '50' });
      if (STATUSES.includes(status) && status) query.set('status', status);
      if (batch) query.set('batch_id', batch);
      const cursor = c.req.query('cursor');
      if (cursor) query.set('cursor', cursor);
      const list = await apiJson<{ data: ApiObject[]; next_cursor: string | null }>(c, 'GET', `/v1/codes?${query}`);
      const codes = list.ok ? list.body.data : [];
      const more =
        list.ok && list.body.next_cursor
          ? new URLSearchParams({ status, batch_id: batch, cursor: list.body.next_cursor })
          : undefined;
      return c.html(
        page({
          title: 'Codes',
          current: 'codes',
          csrf: c.var.session.csrf,
          body: html`<form method="get" action="/console/codes" class="filters">
              <label for="filter-status">Status</label
              ><select id="filter-status" name="status">
                ${STATUSES.map((s) => html`<option value="${s}" ${s === status ? ' selected' : ''}>${s || 'any'}</option>`)}
              </select>
              <label for="filter-batch">Batch id</label
              ><input id="filter-batch" name="batch_id" value="${batch}" placeholder="batch_…" />
              <button type="submit">Filter</button>
            </form>
            ${problemNote(list.ok ? undefined : list.problem)}
            ${codes.length === 0 ? html`<p>No codes yet: make one in the <a href="/console/playground">playground</a>.</p>` : ''}
            <ul class="cards">
              ${codes.map(
                (code) =>
                  html`<li class="card">
                    <div class="thumb">
                      ${
                        code.status === 'succeeded'
                          ? html`<img
                              src="/console/codes/${code.id}/content"
                              alt="${code.symbology} code for ${code.data}"
                              loading="lazy"
                            />`
                          : html`<span>${code.status}</span>`
                      }
                    </div>
                    <div>
                      <p>
                        <code>${code.id}</code> · ${code.symbology} · ${code.format} · <strong>${code.status}</strong>
                      </p>
                      <p class="data">${code.data}</p>
                      <p>Created ${when(code.created_at)}</p>
                      ${
                        code.status === 'succeeded'
                          ? html`<p>${receipt(code)}</p>
                              <p>
                                <a href="/console/codes/${code.id}/content?download=${code.format}" download
                                  >Download ${code.format}</a
                                >
                              </p>`
                          : ''
                      }
                      ${code.error ? html`<p class="bad">${code.error.code}: ${code.error.message}</p>` : ''}
                    </div>
                  </li>`,
              )}
            </ul>
            ${more ? html`<p><a href="/console/codes?${more.toString()}">Older codes</a></p>` : ''}`,
        }),
      );
    })
    .get('/:id/content', (c) => {
      const id = c.req.param('id');
      if (!/^code_[A-Za-z0-9]+$/.test(id)) return c.text('Not found', 404);
      const format = c.req.query('download');
      return relayContent(
        c,
        `/v1/codes/${id}/content`,
        format && /^[a-z0-9]+$/.test(format) ? `${id}.${format}` : undefined,
      );
    });
}
