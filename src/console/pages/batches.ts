// Batches: upload a CSV or JSONL file (validate_only first, if asked), watch its counts, download its ZIP,
// cancel and retry — POST /v1/batches, GET /v1/batches/{id}, results.zip, /cancel, /retry.
import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import { apiJson, callApi, readAnswer, type ApiObject } from '../api.ts';
import type { ConsoleEnv } from '../env.ts';
import { csrfField, notice, page, problemNote, when } from '../layout.ts';
import { relayContent } from './codes.ts';

const TERMINAL = new Set(['completed', 'failed', 'canceled']);
const validId = (id: string) => /^batch_[A-Za-z0-9]+$/.test(id);
const typeOf = (name: string, declared: string) =>
  /\.(jsonl|ndjson)$/i.test(name) || /ndjson|jsonl/.test(declared) ? 'application/x-ndjson' : 'text/csv';

function counts(batch: ApiObject) {
  const n = batch.counts ?? {};
  const done = (n.succeeded ?? 0) + (n.failed ?? 0) + (n.canceled ?? 0);
  const live = !TERMINAL.has(batch.status);
  return html`<section
    id="batch-status"
    aria-live="polite"
    ${live ? html` data-refresh="/console/batches/${batch.id}/status"` : ''}
  >
    <p>Status <strong>${batch.status}</strong>: ${done} of ${n.total ?? 0} rows finished.</p>
    <progress max="${Math.max(1, n.total ?? 0)}" value="${done}" aria-label="Rows finished">${done}</progress>
    <dl class="counts">
      ${['total', 'queued', 'processing', 'succeeded', 'failed', 'canceled'].map(
        (k) =>
          html`<div>
            <dt>${k}</dt>
            <dd>${n[k] ?? 0}</dd>
          </div>`,
      )}
    </dl>
  </section>`;
}

function validation(result: ApiObject) {
  return html`<div class="${result.valid ? 'notice' : 'problem'}" role="status">
    <p>
      ${result.valid ? 'Valid' : 'Not valid'}: ${result.counts.total} rows, ${result.counts.valid} valid,
      ${result.counts.invalid} with errors.
    </p>
    ${
      result.errors.length
        ? html`<ul>
            ${result.errors.slice(0, 200).map((e: ApiObject) => html`<li><code>${e.path}</code>: ${e.message}</li>`)}
          </ul>`
        : ''
    }
  </div>`;
}

async function batchPage(c: Context<ConsoleEnv>, id: string, done?: string) {
  const csrf = c.var.session.csrf;
  const batch = await apiJson<ApiObject>(c, 'GET', `/v1/batches/${id}`);
  if (!batch.ok)
    return c.html(
      page({ title: 'Batch', current: 'batches', csrf, body: problemNote(batch.problem) }),
      batch.status as 404,
    );
  const b = batch.body;
  return c.html(
    page({
      title: `Batch ${b.id}`,
      current: 'batches',
      csrf,
      body: html`${notice(done)}<p>Created ${when(b.created_at)}. <a href="/console/codes?batch_id=${b.id}">Its codes</a></p>
${counts(b)}
<p class="actions"><a class="button" href="/console/batches/${b.id}/results.zip" download>Download ZIP</a>
<form method="post" action="/console/batches/${b.id}/cancel" class="inline">${csrfField(csrf)}<button type="submit">Cancel</button></form>
<form method="post" action="/console/batches/${b.id}/retry" class="inline">${csrfField(csrf)}<button type="submit">Retry failed rows</button></form></p>`,
    }),
  );
}

/** /console/batches */
export function batchesPages() {
  return new Hono<ConsoleEnv>()
    .get('/', async (c) => {
      const csrf = c.var.session.csrf;
      const list = await apiJson<{ data: ApiObject[] }>(c, 'GET', '/v1/batches?limit=50');
      return c.html(
        page({
          title: 'Batches',
          current: 'batches',
          csrf,
          body: html`<section aria-labelledby="upload">
              <h2 id="upload">Upload</h2>
              <form
                method="post"
                action="/console/batches"
                enctype="multipart/form-data"
                class="stack"
                id="upload-form"
              >
                ${csrfField(csrf)}
                <div class="drop" id="drop-zone">
                  <label for="batch-file"
                    >CSV (header row, a <code>data</code> column) or JSON Lines file — choose or drop it here</label
                  >
                  <input
                    id="batch-file"
                    name="file"
                    type="file"
                    accept=".csv,.jsonl,.ndjson,text/csv,application/x-ndjson"
                    required
                  />
                </div>
                <div>
                  <input id="validate-only" name="validate_only" type="checkbox" value="true" />
                  <label for="validate-only">Only validate (nothing is created)</label>
                </div>
                <button type="submit">Upload</button>
                <label for="upload-progress">Upload progress</label
                ><progress id="upload-progress" max="100" value="0">0%</progress>
              </form>
              <div id="upload-result" aria-live="polite"></div>
            </section>
            ${problemNote(list.ok ? undefined : list.problem)}
            <section aria-labelledby="batch-list">
              <h2 id="batch-list">Your batches</h2>
              <div class="table">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Batch</th>
                      <th scope="col">Status</th>
                      <th scope="col">Rows</th>
                      <th scope="col">Created</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${(list.ok ? list.body.data : []).map(
                      (b) =>
                        html`<tr>
                          <td><a href="/console/batches/${b.id}">${b.id}</a></td>
                          <td>${b.status}</td>
                          <td>${b.counts?.total ?? 0}</td>
                          <td>${when(b.created_at)}</td>
                        </tr>`,
                    )}
                  </tbody>
                </table>
              </div>
            </section>`,
        }),
      );
    })
    .post('/', async (c) => {
      // The page's script sends the file as the raw body (with upload progress); a form without script, multipart.
      const type = c.req.header('content-type') ?? '';
      let body: ReadableStream | null;
      let fileType: string;
      let validateOnly: boolean;
      if (type.startsWith('multipart/form-data')) {
        const form = await c.req.parseBody();
        const file = form.file;
        if (!(file instanceof File))
          return c.html(problemNote({ status: 422, title: 'Choose a file', detail: 'No file was sent.' }), 422);
        body = file.stream();
        fileType = typeOf(file.name, file.type);
        validateOnly = form.validate_only === 'true';
      } else {
        body = c.req.raw.body;
        fileType = typeOf(c.req.header('x-file-name') ?? '', type);
        validateOnly = c.req.query('validate_only') === 'true';
      }
      const res = await callApi(c, 'POST', `/v1/batches${validateOnly ? '?validate_only=true' : ''}`, {
        body,
        headers: { 'content-type': fileType },
      });
      const answer = await readAnswer<ApiObject>(res);
      if (!answer.ok) return c.html(problemNote(answer.problem), answer.status as 422);
      if (validateOnly) return c.html(validation(answer.body));
      if (type.startsWith('multipart/form-data')) return c.redirect(`/console/batches/${answer.body.id}`, 303);
      return c.html(
        html`<p class="notice" role="status" data-location="/console/batches/${answer.body.id}">
          Uploaded as <a href="/console/batches/${answer.body.id}">${answer.body.id}</a>.
        </p>`,
        202,
      );
    })
    .get('/:id', (c) =>
      validId(c.req.param('id')) ? batchPage(c, c.req.param('id'), c.req.query('notice')) : c.notFound(),
    )
    .get('/:id/status', async (c) => {
      const batch = await apiJson<ApiObject>(c, 'GET', `/v1/batches/${encodeURIComponent(c.req.param('id'))}`);
      return batch.ok ? c.html(counts(batch.body)) : c.html(problemNote(batch.problem), batch.status as 404);
    })
    .get('/:id/results.zip', (c) => {
      const id = c.req.param('id');
      return validId(id) ? relayContent(c, `/v1/batches/${id}/results.zip`, `${id}.zip`) : c.notFound();
    })
    .post('/:id/:action{cancel|retry}', async (c) => {
      const id = c.req.param('id');
      if (!validId(id)) return c.notFound();
      const action = c.req.param('action');
      const done = await apiJson(c, 'POST', `/v1/batches/${id}/${action}`);
      if (!done.ok) return batchPage(c, id, `${action} refused: ${done.problem.detail ?? done.status}`);
      const text = action === 'cancel' ? 'Canceled the rows not yet rendered.' : 'Failed rows queued again.';
      return c.redirect(`/console/batches/${id}?notice=${encodeURIComponent(text)}`, 303);
    });
}
