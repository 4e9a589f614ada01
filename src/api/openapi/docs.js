// Configures the Scalar reference (the npm package's standalone bundle, served from /docs/scalar.js) for
// /openapi.json on this origin. A served file, not an inline script, so the page's CSP allows 'self' scripts
// only. Nothing leaves this origin: no web fonts, no telemetry, no proxy (try-it calls go straight to the
// server the document names, '/'), no AI agent or MCP panels.
globalThis.Scalar.createApiReference('#reference', {
  url: '/openapi.json',
  proxyUrl: '',
  withDefaultFonts: false,
  telemetry: false,
  agent: { disabled: true },
  mcp: { disabled: true },
  persistAuth: false,
  showDeveloperTools: 'never',
  documentDownloadType: 'json',
  defaultOpenAllTags: true,
});
