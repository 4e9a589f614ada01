import { Hono } from 'hono';
import { html } from 'hono/html';
import { PROBLEMS, type ProblemCode } from '../../domain/problems.ts';
import { ApiProblem } from '../problem.ts';

const isProblemCode = (code: string): code is ProblemCode => Object.hasOwn(PROBLEMS, code);

const page = (title: string, body: unknown) =>
  html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>${title}</title>
        <link rel="stylesheet" href="/docs/docs.css" />
      </head>
      <body>
        <main>${body}</main>
      </body>
    </html>`;

/** GET /problems and /problems/{code}: the page each problem `type` URI names (RFC 9457 §3.1.1). */
export function problemsRoutes() {
  const cache = { 'Cache-Control': 'public, max-age=3600', 'Content-Security-Policy': "default-src 'self'" };
  return new Hono()
    .get('/problems', (c) =>
      c.html(
        page(
          'Problem types',
          html`<h1>Problem types</h1>
            <p>Every error is <code>application/problem+json</code> (RFC 9457) with one of these <code>code</code>s.</p>
            <ul>
              ${(Object.keys(PROBLEMS) as ProblemCode[]).map(
                (code) => html`<li><a href="/problems/${code}">${code}</a>: ${PROBLEMS[code].title}</li>`,
              )}
            </ul>`,
        ),
        200,
        cache,
      ),
    )
    .get('/problems/:code', (c) => {
      const code = c.req.param('code');
      if (!isProblemCode(code)) throw new ApiProblem({ code: 'not_found', detail: `No problem type ${code}` });
      const problem = PROBLEMS[code];
      return c.html(
        page(
          `${code}: ${problem.title}`,
          html`<h1>${code}</h1>
            <p>${problem.title}.</p>
            <dl>
              <dt>HTTP status</dt>
              <dd>${problem.status}</dd>
              <dt>Retryable</dt>
              <dd>
                ${
                  problem.retryable
                    ? 'Yes: send the same request again after the Retry-After header, if any.'
                    : 'No: the same request gets the same answer; change it first.'
                }
              </dd>
            </dl>
            <p>
              The body's <code>detail</code> says what happened to this
              request${
                code === 'validation_failed'
                  ? html`, and <code>errors[]</code> names each invalid field by its dotted <code>path</code>`
                  : ''
              }; <code>request_id</code> identifies it in the server's logs.
            </p>
            <p><a href="/problems">Every problem type</a> · <a href="/docs">API reference</a></p>`,
        ),
        200,
        cache,
      );
    });
}
