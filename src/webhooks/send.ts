import { Agent } from 'undici';
import type { CheckedTarget } from './ssrf.ts';

/** What one attempt came to; never throws. */
export type SendOutcome =
  | { ok: true; status: number; durationMs: number }
  | { ok: false; status: number | null; durationMs: number; error: string; retryAfterMs?: number };

export type SendOptions = { timeoutMs: number; maxResponseBytes: number };

/**
 * One keep-alive pool per (origin, checked address): the socket connects to the address the SSRF
 * check approved (connect.lookup answers with it), never to a second DNS answer. TLS still verifies
 * the certificate against the host name.
 */
const agents = new Map<string, Agent>();
function agentFor(target: CheckedTarget): Agent {
  const key = `${target.url.origin}|${target.address}`;
  let agent = agents.get(key);
  if (!agent) {
    const { address, family } = target;
    agent = new Agent({
      keepAliveTimeout: 30_000,
      connections: 64,
      connect: {
        lookup: (
          _host: string,
          options: { all?: boolean },
          callback: (error: null, address: string | { address: string; family: number }[], family?: number) => void,
        ) => (options?.all ? callback(null, [{ address, family }]) : callback(null, address, family)),
      } as object,
    });
    agents.set(key, agent);
  }
  return agent;
}

/** Closes every pool (process shutdown). */
export async function closeAgents(): Promise<void> {
  await Promise.allSettled([...agents.values()].map((agent) => agent.close()));
  agents.clear();
}

function retryAfterMs(value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** POSTs the body once: no redirects followed (3xx fails), at most `maxResponseBytes` of the answer read. */
export async function send(
  target: CheckedTarget,
  headers: Record<string, string>,
  body: string,
  options: SendOptions,
): Promise<SendOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const signal = AbortSignal.timeout(options.timeoutMs);
  try {
    const response = await agentFor(target).request({
      origin: target.url.origin,
      path: target.url.pathname + target.url.search,
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'user-agent': 'codegen-webhooks/1' },
      body,
      signal,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
    let read = 0;
    for await (const chunk of response.body) {
      read += (chunk as Buffer).length;
      if (read >= options.maxResponseBytes) break;
    }
    response.body.destroy();
    const status = response.statusCode;
    if (status >= 200 && status < 300) return { ok: true, status, durationMs: elapsed() };
    const error =
      status >= 300 && status < 400
        ? `redirect to ${String(response.headers.location ?? '?')} not followed`
        : `HTTP ${status}`;
    const retry = status === 429 || status === 503 ? retryAfterMs(response.headers['retry-after']) : undefined;
    return { ok: false, status, durationMs: elapsed(), error, ...(retry === undefined ? {} : { retryAfterMs: retry }) };
  } catch (error) {
    const message = signal.aborted
      ? `timed out after ${options.timeoutMs} ms`
      : (error as Error).message || String(error);
    return { ok: false, status: null, durationMs: elapsed(), error: message };
  }
}
