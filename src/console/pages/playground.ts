// Playground: every symbology of GET /v1/symbologies with its options as controls, a live preview through
// GET /v1/render, the verification receipt of POST /v1/codes, and the same request as curl / JavaScript / Python.
import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import { apiJson, type Problem, type ApiObject } from '../api.ts';
import type { ConsoleEnv } from '../env.ts';
import { csrfField, page, problemNote } from '../layout.ts';
import type { OptionDescription } from '../../domain/symbologies.ts';
import { receipt, relayContent } from './codes.ts';

type Symbology = { id: string; name: string; kind: string; options: Record<string, OptionDescription> };
const FORMATS = ['png', 'svg', 'webp', 'jpeg', 'pdf', 'eps'];
const SAMPLE: Record<string, string> = { qrcode: 'https://example.com/p/42', ean13: '400638133393' };

/** The form's non-empty fields, as query parameters. */
function paramsOf(query: Record<string, string>) {
  const params = new URLSearchParams();
  for (const [k, value] of Object.entries(query)) if (value !== '' && /^[a-z_0-9]+$/.test(k)) params.set(k, value);
  return params;
}

/** The same fields as a POST /v1/codes body, typed as the catalog says. */
function bodyOf(params: URLSearchParams, symbology: Symbology | undefined): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [k, value] of params) {
    const type = symbology?.options[k]?.type;
    body[k] = type === 'integer' || type === 'number' ? Number(value) : type === 'boolean' ? value === 'true' : value;
  }
  return body;
}

function snippets(origin: string, body: Record<string, unknown>) {
  const json = JSON.stringify(body);
  const curl = `curl -X POST ${origin}/v1/codes \\\n  -H "authorization: Bearer $CODES_API_KEY" \\\n  -H 'content-type: application/json' -H 'prefer: wait=10' \\\n  -d '${json.replaceAll("'", "'\\''")}'`;
  const js = `const res = await fetch('${origin}/v1/codes', {\n  method: 'POST',\n  headers: { authorization: \`Bearer \${process.env.CODES_API_KEY}\`, 'content-type': 'application/json', prefer: 'wait=10' },\n  body: JSON.stringify(${JSON.stringify(body, null, 2).replaceAll('\n', '\n  ')}),\n});\nconst code = await res.json();`;
  const py = `import os, requests\n\ncode = requests.post(\n    "${origin}/v1/codes",\n    headers={"authorization": f"Bearer {os.environ['CODES_API_KEY']}", "prefer": "wait=10"},\n    json=${JSON.stringify(body).replaceAll('true', 'True').replaceAll('false', 'False')},\n).json()`;
  return html`${[
    ['curl', 'curl', curl],
    ['js', 'JavaScript', js],
    ['python', 'Python', py],
  ].map(
    ([id, label, text]) =>
      html`<div class="snippet">
        <h3 id="snippet-${id}-title">${label}</h3>
        <pre id="snippet-${id}" role="region" tabindex="0" aria-labelledby="snippet-${id}-title">${text}</pre>
        <button type="button" data-copy="#snippet-${id}">Copy ${label}</button>
      </div>`,
  )}`;
}

function control(name: string, o: OptionDescription, value: string) {
  const id = `opt-${name}`;
  const label = html`<label for="${id}">${name.replaceAll('_', ' ')}</label>`;
  const hint = html`<small id="${id}-hint">${o.description}</small>`;
  if (o.values?.length || o.type === 'boolean') {
    const values = o.values?.length ? o.values.map(String) : ['true', 'false'];
    return html`<div class="field">
      ${label}<select id="${id}" name="${name}" aria-describedby="${id}-hint">
        <option value="">default${o.default !== undefined ? ` (${String(o.default)})` : ''}</option>
        ${values.map((v) => html`<option value="${v}" ${v === value ? ' selected' : ''}>${v}</option>`)}</select
      >${hint}
    </div>`;
  }
  if (o.type === 'integer' || o.type === 'number')
    return html`<div class="field">
      ${label}<input
        id="${id}"
        name="${name}"
        type="number"
        inputmode="decimal"
        step="${o.type === 'integer' ? '1' : 'any'}"
        ${o.min !== undefined ? html` min="${o.min}"` : ''}${o.max !== undefined ? html` max="${o.max}"` : ''}
        value="${value}"
        placeholder="${o.default === undefined ? '' : String(o.default)}"
        aria-describedby="${id}-hint"
      />${hint}
    </div>`;
  return html`<div class="field">
    ${label}<input
      id="${id}"
      name="${name}"
      value="${value}"
      placeholder="${o.default === undefined ? '' : String(o.default)}"
      aria-describedby="${id}-hint"
      spellcheck="false"
    />${hint}
  </div>`;
}

async function playgroundPage(c: Context<ConsoleEnv>, verified?: { code?: ApiObject; problem?: Problem }) {
  const csrf = c.var.session.csrf;
  const catalog = await apiJson<{ data: Symbology[] }>(c, 'GET', '/v1/symbologies');
  const symbologies = catalog.ok ? catalog.body.data : [];
  const query = c.req.query();
  const chosen =
    symbologies.find((s) => s.id === query.symbology) ?? symbologies.find((s) => s.id === 'qrcode') ?? symbologies[0];
  const data = query.data ?? SAMPLE[chosen?.id ?? ''] ?? '';
  const params = paramsOf({ ...query, symbology: chosen?.id ?? '', data });
  const origin = new URL(c.req.url).origin;
  return c.html(
    page({
      title: 'Playground',
      current: 'playground',
      csrf,
      body: html`${problemNote(catalog.ok ? undefined : catalog.problem)}
        <div class="playground">
          <form method="get" action="/console/playground" id="playground-form" class="stack">
            <label for="symbology">Symbology</label
            ><select id="symbology" name="symbology" data-reload>
              ${symbologies.map((s) => html`<option value="${s.id}" ${s.id === chosen?.id ? ' selected' : ''}>${s.name} (${s.id})</option>`)}
            </select>
            <label for="data">Data</label><textarea id="data" name="data" rows="2" spellcheck="false">${data}</textarea>
            <label for="format">Format</label
            ><select id="format" name="format">
              ${FORMATS.map((f) => html`<option value="${f}" ${f === (query.format ?? 'png') ? ' selected' : ''}>${f}</option>`)}
            </select>
            <fieldset>
              <legend>Options of ${chosen?.name ?? ''}</legend>
              <div class="options">
                ${Object.entries(chosen?.options ?? {}).map(([name, o]) => control(name, o, query[name] ?? ''))}
              </div>
            </fieldset>
            <button type="submit">Preview</button>
          </form>
          <section aria-labelledby="preview-title" class="preview">
            <h2 id="preview-title">Preview</h2>
            <div class="preview-box">
              <img
                id="preview"
                src="/console/playground/preview?${params.toString()}"
                alt="Preview of the ${chosen?.name ?? ''} code for the data above"
              />
            </div>
            <p id="preview-error" role="alert" class="bad"></p>
            <form method="post" action="/console/playground/verify?${params.toString()}" id="verify-form">
              ${csrfField(csrf)}<button type="submit">Create the code and show its receipt</button>
            </form>
            ${problemNote(verified?.problem)}
            ${
              verified?.code
                ? html`<div id="receipt" role="status">
                    <h3>Receipt</h3>
                    <p><code>${verified.code.id}</code> · <strong>${verified.code.status}</strong></p>
                    <p>${receipt(verified.code)}</p>
                    ${verified.code.result ? html`<p>${verified.code.result.width}×${verified.code.result.height}, ${verified.code.result.bytes} bytes, sha256 <code>${verified.code.result.sha256}</code></p>` : ''}
                  </div>`
                : ''
            }
            <h2>Copy as</h2>
            <div id="snippets" data-src="/console/playground/snippets">${snippets(origin, bodyOf(params, chosen))}</div>
          </section>
        </div>`,
    }),
    verified?.problem ? (verified.problem.status as 422) : 200,
  );
}

/** /console/playground */
export function playgroundPages() {
  return new Hono<ConsoleEnv>()
    .get('/', (c) => playgroundPage(c))
    .get('/preview', (c) => relayContent(c, `/v1/render?${paramsOf(c.req.query())}`))
    .get('/snippets', async (c) => {
      const params = paramsOf(c.req.query());
      const catalog = await apiJson<{ data: Symbology[] }>(c, 'GET', '/v1/symbologies');
      const symbology = catalog.ok ? catalog.body.data.find((s) => s.id === params.get('symbology')) : undefined;
      return c.html(snippets(new URL(c.req.url).origin, bodyOf(params, symbology)));
    })
    .post('/verify', async (c) => {
      const params = paramsOf(c.req.query());
      const catalog = await apiJson<{ data: Symbology[] }>(c, 'GET', '/v1/symbologies');
      const symbology = catalog.ok ? catalog.body.data.find((s) => s.id === params.get('symbology')) : undefined;
      const created = await apiJson<ApiObject>(c, 'POST', '/v1/codes', bodyOf(params, symbology), {
        headers: { prefer: 'wait=10' },
      });
      return playgroundPage(c, created.ok ? { code: created.body } : { problem: created.problem });
    });
}
