import * as v from 'valibot';
import type { Config } from '../config.ts';
import type { FieldError } from '../domain/problems.ts';
import { WebhookEventsSchema, WebhookUrlSchema } from '../domain/requests.ts';
import { checkTarget, ssrfPolicyOf, SsrfError } from '../webhooks/ssrf.ts';
import { fieldErrors } from './problem.ts';

/** POST /v1/webhook-endpoints (events null or absent: every event). The URL is SSRF-checked after. */
const endpointEvents = v.optional(
  v.nullable(v.pipe(WebhookEventsSchema, v.description('Events to send; null, absent or []: every event.'))),
);
export const EndpointCreateSchema = v.strictObject(
  { url: WebhookUrlSchema, events: endpointEvents },
  'is not a known field',
);
/** PATCH /v1/webhook-endpoints/{id}: any of url, events, enabled. */
export const EndpointPatchSchema = v.strictObject(
  {
    url: v.optional(WebhookUrlSchema),
    events: endpointEvents,
    enabled: v.optional(
      v.pipe(v.boolean('must be true or false'), v.description('true switches a disabled endpoint back on.')),
    ),
  },
  'is not a known field',
);

/**
 * Validates a webhook URL and event filter from a request: shape by valibot, then the SSRF guard
 * (DNS resolved, every address public unless WEBHOOK_ALLOW_PRIVATE opens it). Field errors name
 * `path` (e.g. "webhook_url"); never throws for bad input.
 */
export async function checkWebhookFields(
  config: Config,
  input: { url: unknown; events: unknown },
  paths: { url: string; events: string },
): Promise<{ errors: FieldError[]; url: string | null; events: string[] | null }> {
  const errors: FieldError[] = [];
  let url: string | null = null;
  let events: string[] | null = null;
  if (input.events !== undefined && input.events !== null) {
    const parsed = v.safeParse(WebhookEventsSchema, input.events);
    if (parsed.success) events = [...new Set(parsed.output)];
    else errors.push(...fieldErrors(parsed.issues, paths.events));
  }
  if (input.url !== undefined && input.url !== null) {
    const parsed = v.safeParse(WebhookUrlSchema, input.url);
    if (!parsed.success) errors.push(...fieldErrors(parsed.issues, paths.url));
    else {
      try {
        url = (await checkTarget(parsed.output, ssrfPolicyOf(config))).url.toString();
      } catch (error) {
        if (!(error instanceof SsrfError)) throw error;
        errors.push({ path: paths.url, message: `is not allowed: ${error.message}` });
      }
    }
  } else if (events) {
    errors.push({ path: paths.events, message: `needs ${paths.url}` });
  }
  return { errors, url, events };
}
