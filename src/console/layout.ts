// The page shell every console page shares: skip link, navigation, one stylesheet and one script from
// /console/assets (no inline script or style, so the Content-Security-Policy can forbid both).
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { Problem } from './api.ts';

type Markup = HtmlEscapedString | Promise<HtmlEscapedString>;

export const NAV = [
  ['playground', 'Playground'],
  ['codes', 'Codes'],
  ['batches', 'Batches'],
  ['webhooks', 'Webhooks'],
  ['keys', 'Keys'],
  ['usage', 'Usage'],
] as const;

/** A whole page; `csrf` present means signed in (navigation, sign-out, and the token for scripts). */
export function page(options: { title: string; current?: string; csrf?: string; body: Markup | string }): Markup {
  const { title, current, csrf } = options;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        ${csrf ? html`<meta name="csrf-token" content="${csrf}" />` : ''}
        <title>${title} · codes console</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href="/console/assets/console.css" />
        <script src="/console/assets/console.js" defer></script>
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header>
          <a class="brand" href="/console">codes</a>
          ${
            csrf
              ? html`<nav aria-label="Console">
                    <ul>
                      ${NAV.map(
                        ([id, label]) =>
                          html`<li>
                            <a href="/console/${id}" ${current === id ? raw(' aria-current="page"') : ''}>${label}</a>
                          </li>`,
                      )}
                    </ul>
                  </nav>
                  <form method="post" action="/console/sign-out" class="sign-out">
                    ${csrfField(csrf)}<button type="submit">Sign out</button>
                  </form>`
              : ''
          }
        </header>
        <main id="main" tabindex="-1">
          <h1>${title}</h1>
          ${options.body}
        </main>
      </body>
    </html>`;
}

/** The hidden CSRF field every state-changing form carries. */
export const csrfField = (csrf: string) => html`<input type="hidden" name="_csrf" value="${csrf}" />`;

/** A problem from the API, shown where the action was. */
export function problemNote(problem: Problem | undefined): Markup | string {
  if (!problem) return '';
  return html`<div class="problem" role="alert">
    <p>
      <strong>${problem.title ?? 'Refused'}</strong>
      (${problem.status}${problem.code ? `, ${problem.code}` : ''})${problem.detail ? html`: ${problem.detail}` : ''}
    </p>
    ${
      problem.errors?.length
        ? html`<ul>
            ${problem.errors.slice(0, 50).map((e) => html`<li><code>${e.path}</code>: ${e.message}</li>`)}
          </ul>`
        : ''
    }
  </div>`;
}

/** A short confirmation, shown after an action. */
export const notice = (text: string | undefined) => (text ? html`<p class="notice" role="status">${text}</p>` : '');

/** A secret shown once, with a copy button. */
export function secretOnce(label: string, secret: string): Markup {
  return html`<div class="secret" role="status">
    <p><strong>${label}</strong> — shown once: copy it now.</p>
    <p><code id="secret-value">${secret}</code> <button type="button" data-copy="#secret-value">Copy</button></p>
  </div>`;
}

/** An ISO timestamp as a readable UTC time (or a dash). */
export const when = (iso: string | null | undefined) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : '—');
