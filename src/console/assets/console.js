// The console's one script (no framework, no inline code): live preview, copy buttons, file upload with
// progress, and live batch counts. Every page works without it; it only saves round trips.
/* global URLSearchParams, FormData, XMLHttpRequest, navigator, history */
const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';

function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

function formQuery(form) {
  const params = new URLSearchParams();
  for (const [k, v] of new FormData(form)) if (typeof v === 'string' && v !== '' && k !== '_csrf') params.set(k, v);
  return params.toString();
}

// Playground: re-render the preview and the snippets as the form changes; a new symbology reloads its options.
const playground = document.getElementById('playground-form');
if (playground) {
  const img = document.getElementById('preview');
  const error = document.getElementById('preview-error');
  const verify = document.getElementById('verify-form');
  const snippets = document.getElementById('snippets');
  let shown;
  let latest = 0;
  const refresh = debounce(async () => {
    const query = formQuery(playground);
    const n = ++latest;
    verify.action = `/console/playground/verify?${query}`;
    history.replaceState(null, '', `/console/playground?${query}`);
    const [image, code] = await Promise.all([
      fetch(`/console/playground/preview?${query}`),
      fetch(`${snippets.dataset.src}?${query}`),
    ]);
    if (n !== latest) return;
    snippets.innerHTML = await code.text();
    if (image.ok) {
      if (shown) URL.revokeObjectURL(shown);
      shown = URL.createObjectURL(await image.blob());
      img.src = shown;
      img.dataset.state = 'ready';
      error.textContent = '';
    } else {
      const problem = await image.json().catch(() => ({}));
      img.dataset.state = 'error';
      error.textContent = problem.detail ?? `Preview failed (${image.status})`;
    }
  }, 300);
  playground.addEventListener('input', (event) => {
    if (!event.target.hasAttribute('data-reload')) refresh();
  });
  // Another symbology has other options and data rules: start from its sample data and defaults.
  playground.addEventListener('change', (event) => {
    if (!event.target.hasAttribute('data-reload')) return;
    const params = new URLSearchParams({ symbology: event.target.value, format: playground.elements.format.value });
    window.location.assign(`/console/playground?${params}`);
  });
  img.addEventListener('error', () => {
    if (img.dataset.state !== 'error') refresh();
  });
}

// Copy buttons: data-copy names the element whose text is copied.
document.addEventListener('click', async (event) => {
  const button = event.target.closest('[data-copy]');
  if (!button) return;
  const source = document.querySelector(button.dataset.copy);
  try {
    await navigator.clipboard.writeText(source.textContent);
    button.dataset.done = 'true';
  } catch {
    window.getSelection().selectAllChildren(source);
  }
});

// Batches: send the file as the raw body (streamed to the API) with an upload progress bar; drag and drop.
const upload = document.getElementById('upload-form');
if (upload) {
  const input = document.getElementById('batch-file');
  const bar = document.getElementById('upload-progress');
  const result = document.getElementById('upload-result');
  const zone = document.getElementById('drop-zone');
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.dataset.over = 'true';
  });
  zone.addEventListener('dragleave', () => delete zone.dataset.over);
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    delete zone.dataset.over;
    if (event.dataTransfer.files.length) input.files = event.dataTransfer.files;
  });
  upload.addEventListener('submit', (event) => {
    event.preventDefault();
    const file = input.files[0];
    if (!file) return;
    const validate = document.getElementById('validate-only').checked;
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/console/batches${validate ? '?validate_only=true' : ''}`);
    xhr.setRequestHeader('x-csrf-token', csrf);
    xhr.setRequestHeader('x-file-name', file.name);
    xhr.setRequestHeader('content-type', /\.(jsonl|ndjson)$/i.test(file.name) ? 'application/x-ndjson' : 'text/csv');
    bar.value = 0;
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
    });
    xhr.addEventListener('load', () => {
      bar.value = 100;
      result.innerHTML = xhr.responseText;
      const next = result.querySelector('[data-location]');
      if (next) window.location.assign(next.dataset.location);
    });
    xhr.addEventListener('error', () => (result.textContent = 'The upload failed: try again.'));
    xhr.send(file);
  });
}

// Live counts: an element with data-refresh is replaced by a fresh copy every second until it has none.
function poll() {
  const live = document.querySelector('[data-refresh]');
  if (!live) return;
  setTimeout(async () => {
    const res = await fetch(live.dataset.refresh, { headers: { 'x-csrf-token': csrf } }).catch(() => undefined);
    if (res?.ok) live.outerHTML = await res.text();
    poll();
  }, 1000);
}
poll();
