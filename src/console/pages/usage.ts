// Usage: codes per day as SVG bars (GET /v1/usage) and the monthly quota (GET /v1/account).
import { Hono } from 'hono';
import { html } from 'hono/html';
import { apiJson, type ApiObject } from '../api.ts';
import type { ConsoleEnv } from '../env.ts';
import { page, problemNote, when } from '../layout.ts';

const BAR = 12;
const HEIGHT = 120;

function chart(days: { date: string; codes: number }[]) {
  const max = Math.max(1, ...days.map((d) => d.codes));
  const width = days.length * BAR;
  return html`<figure>
    <svg
      viewBox="0 0 ${width} ${HEIGHT + 16}"
      width="100%"
      height="${HEIGHT + 16}"
      role="img"
      aria-labelledby="chart-title"
      preserveAspectRatio="none"
    >
      <title id="chart-title">Codes per day, ${days[0]?.date} to ${days.at(-1)?.date}; highest ${max}</title>
      ${days.map((d, i) => {
        const h = Math.round((d.codes / max) * HEIGHT);
        return html`<rect class="bar" x="${i * BAR + 1}" y="${HEIGHT - h}" width="${BAR - 2}" height="${h}"
          ><title>${d.date}: ${d.codes}</title></rect
        >`;
      })}
      <line class="axis" x1="0" y1="${HEIGHT}" x2="${width}" y2="${HEIGHT}" />
    </svg>
    <figcaption>
      Codes per day (last ${days.length} days). Hover a bar for its count; the table below lists every day.
    </figcaption>
  </figure>`;
}

/** /console/usage */
export function usagePages() {
  return new Hono<ConsoleEnv>().get('/', async (c) => {
    const [usage, account] = await Promise.all([
      apiJson<ApiObject>(c, 'GET', '/v1/usage?granularity=day'),
      apiJson<ApiObject>(c, 'GET', '/v1/account'),
    ]);
    const quota = account.ok ? account.body.quota : undefined;
    const days = usage.ok
      ? (usage.body.data as { date: string; codes: number; webhook_deliveries: number; bytes_stored: number }[])
      : [];
    return c.html(
      page({
        title: 'Usage',
        current: 'usage',
        csrf: c.var.session.csrf,
        body: html`${problemNote(usage.ok ? (account.ok ? undefined : account.problem) : usage.problem)}
        ${
          account.ok
            ? html`<section aria-labelledby="quota">
                <h2 id="quota">Monthly quota</h2>
                <p>
                  Plan <strong>${account.body.plan}</strong>.
                  ${
                    quota.monthly === null
                      ? html`No monthly quota: ${quota.used} used this month.`
                      : html`<label for="quota-bar">${quota.used} of ${quota.monthly} used</label>
                          <progress
                            id="quota-bar"
                            max="${quota.monthly}"
                            value="${Math.min(quota.used, quota.monthly)}"
                          >
                            ${quota.used} of ${quota.monthly}
                          </progress>
                          ${quota.remaining} left`
                  }
                  Resets ${when(quota.resets_at)}. A code costs ${quota.costs.code}, a styled one ${quota.costs.styled},
                  one with a logo ${quota.costs.logo}.
                </p>
              </section>`
            : ''
        }
        ${
          usage.ok
            ? html`<section aria-labelledby="per-day">
                <h2 id="per-day">Per day</h2>
                <p>
                  ${usage.body.totals.codes} codes, ${usage.body.totals.webhook_deliveries} webhook deliveries,
                  ${usage.body.totals.bytes_stored} bytes stored from ${usage.body.from} to ${usage.body.to}.
                </p>
                ${chart(days)}
                <details>
                  <summary>Every day</summary>
                  <div class="table">
                    <table>
                      <thead>
                        <tr>
                          <th scope="col">Day</th>
                          <th scope="col">Codes</th>
                          <th scope="col">Webhook deliveries</th>
                          <th scope="col">Bytes stored</th>
                        </tr>
                      </thead>
                      <tbody>
                        ${days.map(
                          (d) =>
                            html`<tr>
                              <td>${d.date}</td>
                              <td>${d.codes}</td>
                              <td>${d.webhook_deliveries}</td>
                              <td>${d.bytes_stored}</td>
                            </tr>`,
                        )}
                      </tbody>
                    </table>
                  </div>
                </details>
              </section>`
            : ''
        }`,
      }),
    );
  });
}
