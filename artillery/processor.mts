// Helpers for the artillery scenarios (loaded by artillery with a dynamic import: Node 24 strips the
// types of this .mts file itself, no bundling). Hooks use artillery's callback signatures.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

type Vars = Record<string, unknown>;
type Context = { vars: Vars };
type Events = { emit: (type: 'counter' | 'histogram', name: string, value: number) => void };
type Next = (error?: Error) => void;
type RequestParams = { url?: string; headers?: Record<string, string>; body?: string; json?: unknown };
type Response = { statusCode: number; body?: unknown };

const RUN = randomUUID().slice(0, 8);
const TERMINAL = new Set(['succeeded', 'failed', 'canceled']);
const BATCH_DONE = new Set(['completed', 'failed', 'canceled']);

/** beforeRequest: the API key from CODES_API_KEY (`npm run load -- --key …` sets it). */
export function setAuth(req: RequestParams, _context: Context, _events: Events, next: Next): void {
  const key = process.env.CODES_API_KEY;
  if (key) req.headers = { ...req.headers, authorization: `Bearer ${key}` };
  next();
}

/**
 * afterResponse: any 4xx/5xx fails the virtual user, so `ensure.maxErrorRate` counts it (artillery
 * itself only counts network errors). A 429 is a failure too: a load run should use a key whose plan
 * admits its rate and concurrent batches (enterprise).
 */
export function failOnError(req: RequestParams, res: Response, _context: Context, _events: Events, next: Next): void {
  // The message is the error's metric name (errors.<message>): keep it short and free of ids.
  if (res.statusCode >= 400)
    return next(
      new Error(
        `HTTP ${res.statusCode} from ${new URL(req.url ?? '/', 'http://x').pathname.replace(/\/(code|batch)_[^/]+/g, '/{id}')}`,
      ),
    );
  next();
}

/** Data no earlier request used, so the content cache never answers for it. */
export function uniqueData(context: Context, _events: Events, next: Next): void {
  context.vars.data = `https://example.com/load/${RUN}/${randomUUID()}`;
  context.vars.submittedAt = Date.now();
  next();
}

/** whileTrue of the poll loop: the code is not terminal yet. */
export function codePending(context: Context, next: (more: boolean) => void): void {
  next(!TERMINAL.has(String(context.vars.status)));
}

/** After polling: the code must have succeeded; records submit → succeeded time as `codes.time_to_succeeded`. */
export function expectSucceeded(context: Context, events: Events, next: Next): void {
  if (context.vars.status !== 'succeeded')
    return next(new Error(`code ${String(context.vars.codeId)} is ${String(context.vars.status)}`));
  events.emit('histogram', 'codes.time_to_succeeded', Date.now() - Number(context.vars.submittedAt));
  next();
}

/** beforeRequest of the batch upload: a CSV of LOAD_BATCH_ROWS (default 100) distinct rows. */
export function batchCsv(req: RequestParams, context: Context, _events: Events, next: Next): void {
  const rows = Number(process.env.LOAD_BATCH_ROWS ?? 100);
  const id = randomUUID();
  const lines = ['data,custom_id'];
  for (let i = 0; i < rows; i++) lines.push(`https://example.com/load/${RUN}/${id}/${i},row-${i}`);
  req.body = `${lines.join('\n')}\n`;
  req.headers = { ...req.headers, 'content-type': 'text/csv' };
  context.vars.submittedAt = Date.now();
  next();
}

/** whileTrue of the batch poll loop. */
export function batchPending(context: Context, next: (more: boolean) => void): void {
  next(!BATCH_DONE.has(String(context.vars.batchStatus)));
}

/** After polling: the batch completed with every row succeeded; records `batches.time_to_completed`. */
export function expectBatchCompleted(context: Context, events: Events, next: Next): void {
  const total = Number(process.env.LOAD_BATCH_ROWS ?? 100);
  if (context.vars.batchStatus !== 'completed' || Number(context.vars.batchSucceeded) !== total) {
    return next(
      new Error(
        `batch ${String(context.vars.batchId)} is ${String(context.vars.batchStatus)}, ${String(context.vars.batchSucceeded)}/${total} succeeded`,
      ),
    );
  }
  events.emit('histogram', 'batches.time_to_completed', Date.now() - Number(context.vars.submittedAt));
  next();
}

// --- webhooks: a receiver in this process (one per artillery worker), started on first use ---

const deliveries = new Map<string, { at: number; verified: boolean }>();
let receiver: Promise<string> | undefined;

/** Verifies a Standard Webhooks signature when CODES_WEBHOOK_SECRET (whsec_…) is set; true otherwise. */
function verifySignature(headers: Record<string, string | string[] | undefined>, body: string): boolean {
  const secret = process.env.CODES_WEBHOOK_SECRET;
  if (!secret) return true;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key)
    .update(`${String(headers['webhook-id'])}.${String(headers['webhook-timestamp'])}.${body}`)
    .digest();
  return String(headers['webhook-signature'] ?? '')
    .split(' ')
    .some((part) => {
      const given = Buffer.from(part.replace(/^v1,/, ''), 'base64');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
}

function startReceiver(): Promise<string> {
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const token = (req.url ?? '').split('/').pop() ?? '';
      deliveries.set(token, { at: Date.now(), verified: verifySignature(req.headers, body) });
      res.writeHead(204).end();
    });
  });
  server.unref();
  const port = Number(process.env.WEBHOOK_RECEIVER_PORT ?? 0);
  return new Promise((resolve) =>
    server.listen(port, process.env.WEBHOOK_RECEIVER_BIND ?? '127.0.0.1', () => {
      // The deployment must reach this address: WEBHOOK_RECEIVER_URL names it when the service runs elsewhere.
      const own = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      resolve(process.env.WEBHOOK_RECEIVER_URL ?? own);
    }),
  );
}

/** Sets `webhookUrl` to this worker's receiver with a token for this virtual user. */
// Not `async`: artillery calls an AsyncFunction without `next` and awaits it instead.
export function webhookTarget(context: Context, _events: Events, next: Next): void {
  receiver ??= startReceiver();
  const token = randomUUID();
  context.vars.webhookToken = token;
  receiver.then((base) => {
    context.vars.webhookUrl = `${base}/hooks/${token}`;
    context.vars.submittedAt = Date.now();
    next();
  }, next);
}

/** whileTrue of the webhook wait loop: nothing delivered for this virtual user yet. */
export function webhookPending(context: Context, next: (more: boolean) => void): void {
  next(!deliveries.has(String(context.vars.webhookToken)));
}

/** After waiting: a signed delivery arrived; records submit → delivered time as `webhooks.time_to_delivered`. */
export function expectDelivered(context: Context, events: Events, next: Next): void {
  const delivery = deliveries.get(String(context.vars.webhookToken));
  if (!delivery) return next(new Error(`no webhook for code ${String(context.vars.codeId)}`));
  if (!delivery.verified) return next(new Error(`webhook for code ${String(context.vars.codeId)} has a bad signature`));
  events.emit('histogram', 'webhooks.time_to_delivered', delivery.at - Number(context.vars.submittedAt));
  deliveries.delete(String(context.vars.webhookToken));
  next();
}
