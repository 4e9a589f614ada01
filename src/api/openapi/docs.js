// Renders /openapi.json as a reference page; no framework, no network beyond this origin.
const el = (tag, attrs = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), attrs);
  node.append(...children.filter((c) => c !== undefined && c !== null));
  return node;
};
const resolve = (doc, ref) =>
  ref
    .replace(/^#\//, '')
    .split('/')
    .reduce((o, k) => o?.[k], doc);
const schemaName = (s) => (s?.$ref ? s.$ref.split('/').pop() : (s?.type ?? ''));

function renderOperation(doc, path, method, op) {
  const id = op.operationId;
  const params = (op.parameters ?? []).map((p) =>
    el(
      'tr',
      {},
      el('td', {}, el('code', { textContent: p.name })),
      el('td', { textContent: p.in }),
      el('td', { textContent: p.description ?? schemaName(p.schema) }),
    ),
  );
  const responses = Object.entries(op.responses).map(([status, r]) =>
    el(
      'tr',
      {},
      el('td', {}, el('code', { textContent: status })),
      el('td', { textContent: r.description }),
      el('td', {
        textContent: Object.entries(r.content ?? {})
          .map(([t, c]) => `${t} ${schemaName(c.schema)}`)
          .join(', '),
      }),
    ),
  );
  const body = op.requestBody && Object.entries(op.requestBody.content)[0];
  const examples = body
    ? Object.entries(body[1].examples ?? {}).map(([name, ex]) =>
        el(
          'div',
          {},
          el('strong', { textContent: name }),
          el('pre', { textContent: typeof ex.value === 'string' ? ex.value : JSON.stringify(ex.value, null, 2) }),
        ),
      )
    : [];
  return el(
    'section',
    { className: 'op', id },
    el('h3', {}, el('span', { className: `method ${method}`, textContent: method }), el('code', { textContent: path })),
    el('p', { textContent: op.summary }),
    params.length
      ? el(
          'table',
          { className: 'params' },
          el(
            'tr',
            {},
            el('th', { textContent: 'Parameter' }),
            el('th', { textContent: 'In' }),
            el('th', { textContent: 'About' }),
          ),
          ...params,
        )
      : undefined,
    body ? el('p', {}, 'Body: ', el('code', { textContent: body[0] })) : undefined,
    ...examples,
    el(
      'table',
      { className: 'responses' },
      el(
        'tr',
        {},
        el('th', { textContent: 'Status' }),
        el('th', { textContent: 'Meaning' }),
        el('th', { textContent: 'Content' }),
      ),
      ...responses,
    ),
  );
}

async function main() {
  const doc = await (await fetch('/openapi.json')).json();
  document.getElementById('info').textContent =
    `${doc.info.title}, OpenAPI ${doc.openapi}. ${doc.info.description ?? ''}`;
  const main = document.getElementById('operations');
  const toc = document.getElementById('toc');
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      main.append(renderOperation(doc, path, method, op));
      toc.append(el('a', { href: `#${op.operationId}`, textContent: `${method.toUpperCase()} ${path}` }));
    }
  }
  void resolve;
  main.setAttribute('aria-busy', 'false');
  document.body.dataset.rendered = String(main.querySelectorAll('section.op').length);
}
main().catch((error) => {
  document.getElementById('info').textContent = `Could not load the reference: ${error}`;
});
