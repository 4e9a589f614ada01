// One valibot schema per request body. The validators read their fields from here and /openapi.json is
// their conversion (@valibot/to-json-schema), so the document cannot drift from what the server accepts.
// Rules JSON Schema cannot say (per-symbology data rules and check digits, which options apply to which
// symbology, capacity, contrast, logo bytes) are checked by normalizeRenderSpec and named in descriptions.
import * as v from 'valibot';
import { EVENT_TYPES } from './events.ts';
import { FORMATS } from './formats.ts';
import { metadataSchema } from './metadata.ts';
import { payloadSchema } from './payloads.ts';
import {
  ADDON_PATTERN,
  BAR_HEIGHT_BOUNDS,
  DPI_BOUNDS,
  FINDER_STYLES,
  LOGO_MAX_BYTES,
  LOGO_SIZE_BOUNDS,
  MARGIN_BOUNDS,
  MODULE_STYLES,
  ROTATIONS,
  SCALE_BOUNDS,
  SIZE_BOUNDS,
  SYMBOLOGY_IDS,
  X_DIM_BOUNDS,
  type OptionId,
} from './symbologies.ts';

const int = (bounds: { min: number; max: number }, description: string) =>
  v.pipe(
    v.number('must be an integer'),
    v.integer('must be an integer'),
    v.minValue(bounds.min, `must be at least ${bounds.min}`),
    v.maxValue(bounds.max, `must be at most ${bounds.max}`),
    v.description(description),
  );
const colour = (description: string) =>
  v.pipe(
    v.string('must be a hex colour like #1a2b3c'),
    v.regex(/^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, 'must be a hex colour like #1a2b3c or #abc'),
    v.description(description),
  );
const bool = (description: string) => v.pipe(v.boolean('must be true or false'), v.description(description));
const oneOf = <const T extends readonly (string | number)[]>(
  values: T,
  description: string,
  message = `must be one of ${values.join(', ')}`,
) => v.pipe(v.picklist(values, message), v.description(description));

/** Every render option, by body field name: the one definition the validator and the document share. */
export const OPTION_SCHEMAS = {
  scale: int(
    SCALE_BOUNDS,
    'Pixels per module (default per symbology). Checked by the server: at most one of scale, size, x_dim_mm; the image within 4096×4096 px.',
  ),
  size: int(
    SIZE_BOUNDS,
    'Target image width in pixels instead of scale: the largest whole pixels-per-module that fits. Checked by the server: at most one of scale, size, x_dim_mm; the image within 4096×4096 px.',
  ),
  margin: int(
    MARGIN_BOUNDS,
    'Quiet zone on every side, in modules (default: the symbology spec quiet zone). Checked by the server: the image within 4096×4096 px.',
  ),
  // Checks before transforms: the document is converted from the pipe up to its first transform.
  ecc: v.pipe(
    v.picklist(['L', 'M', 'Q', 'H', 'l', 'm', 'q', 'h'], 'must be one of L, M, Q, H'),
    v.description(
      'Error correction level (2D symbologies; the levels each takes are in GET /v1/symbologies). Checked by the server: the level must be one the symbology has.',
    ),
    v.transform((level) => level.toUpperCase() as 'L' | 'M' | 'Q' | 'H'),
  ),
  version: int(
    { min: 1, max: 40 },
    'QR Code version; the smallest that fits when omitted. Checked by the server: the data must fit.',
  ),
  mask: int({ min: 0, max: 7 }, 'QR Code mask pattern; chosen by penalty score when omitted.'),
  foreground: colour(
    'Bar/module colour, #rgb or #rrggbb (default #000000). Checked by the server: it must differ from background with a WCAG contrast of at least MIN_CONTRAST (3:1) unless allow_low_contrast, and be darker than background except for QR Code, Micro QR, rMQR, GS1 QR, Data Matrix, GS1 DataMatrix and Aztec (light on dark).',
  ),
  background: colour('Opaque background colour, #rgb or #rrggbb (default #ffffff).'),
  include_text: bool('Print the human-readable text under the bars (linear symbologies).'),
  rotate: oneOf(ROTATIONS, 'Clockwise rotation in degrees (default 0).', 'must be 0, 90, 180 or 270'),
  bar_height: int(
    BAR_HEIGHT_BOUNDS,
    'Bar height in modules (linear symbologies). Checked by the server: the image within 4096×4096 px, and at least 13 with an addon and include_text.',
  ),
  dpi: int(
    DPI_BOUNDS,
    'Device resolution: PNG pHYs / JPEG density, points in PDF/EPS, and the dots x_dim_mm snaps to.',
  ),
  x_dim_mm: v.pipe(
    v.number('must be a number'),
    v.minValue(X_DIM_BOUNDS.min, `must be at least ${X_DIM_BOUNDS.min}`),
    v.maxValue(X_DIM_BOUNDS.max, `must be at most ${X_DIM_BOUNDS.max}`),
    v.description(
      'Module width in millimetres instead of scale or size; snapped to whole dots at dpi (default 300). Checked by the server: at most 50 dots per module.',
    ),
  ),
  verify: bool(
    'Decode the delivered bytes before the code succeeds. Default from the plan; always on for styled codes.',
  ),
  module_style: oneOf(
    MODULE_STYLES,
    'Shape of the data modules (QR Code). Checked by the server: at least 2 px per module.',
  ),
  finder_style: oneOf(
    FINDER_STYLES,
    'Shape of the three finder patterns (QR Code). Checked by the server: at least 2 px per module.',
  ),
  logo: v.pipe(
    v.string('must be a base64 string'),
    v.regex(/^(data:image\/[a-z+]+;base64,)?[A-Za-z0-9+/=\s]+$/, 'must be base64 (or a data: URI)'),
    v.maxLength(Math.ceil(LOGO_MAX_BYTES / 3) * 4 + 64, `must be at most ${LOGO_MAX_BYTES / 1024} KiB`),
    v.description(
      `PNG, JPEG or SVG image, base64 (or a data:image/…;base64, URI), drawn in the centre of a QR Code; raises ECC to H. Checked by the server: at most ${LOGO_MAX_BYTES / 1024} KiB decoded, a PNG/JPEG/SVG by its bytes, not with format pdf or eps.`,
    ),
    v.transform((s) => s.replace(/^data:image\/[a-z+]+;base64,/, '')),
  ),
  logo_size: v.pipe(
    v.number('must be a number'),
    v.minValue(LOGO_SIZE_BOUNDS.min, `must be at least ${LOGO_SIZE_BOUNDS.min}`),
    v.maxValue(
      LOGO_SIZE_BOUNDS.max,
      `must be at most ${LOGO_SIZE_BOUNDS.max} (a bigger logo covers more modules than ECC H can restore)`,
    ),
    v.description('Logo width as a fraction of the symbol width (default 0.2).'),
  ),
  addon: v.pipe(
    v.string('must be a string of 2 or 5 digits (quoted: leading zeros count)'),
    v.regex(new RegExp(ADDON_PATTERN), 'must be 2 or 5 digits (an EAN-2 or EAN-5 add-on)'),
    v.description(
      'EAN-2 or EAN-5 add-on (supplement) after the main symbol: an issue number, a book price (ISBN 978… with 52250). Checked by the server: ean13, upca and upce only (GS1 permits no add-on on EAN-8).',
    ),
  ),
} as const satisfies Record<OptionId, v.GenericSchema>;

/** The fields of one render: what POST /v1/codes, GET /v1/render, render URLs and batch rows share. */
export const RENDER_SCHEMAS = {
  symbology: oneOf(
    SYMBOLOGY_IDS,
    'Default qrcode. Checked by the server: each option given must apply to the symbology (GET /v1/symbologies lists them).',
  ),
  data: v.pipe(
    v.string('must be a string'),
    v.minLength(1, 'must not be empty'),
    v.description(
      'What the code encodes; give data or payload, not both. Checked by the server per symbology (GET /v1/symbologies): character set, length and capacity, GS1 element strings, check digits (completed when one digit short).',
    ),
  ),
  payload: v.pipe(
    payloadSchema,
    v.description(
      'A structured QR Code payload built into data; give data or payload, not both. Checked by the server: symbology qrcode only; the built data must fit; epc: IBAN check digits, amount with at most 2 decimals, reference or text, not both.',
    ),
  ),
  format: oneOf(FORMATS, 'Output format (default png).'),
  allow_low_contrast: bool('Accept foreground/background contrast below MIN_CONTRAST.'),
  ...OPTION_SCHEMAS,
} as const;

/** Every render field name. */
export const RENDER_FIELDS = Object.keys(RENDER_SCHEMAS) as (keyof typeof RENDER_SCHEMAS)[];

/** Webhook URL of one request or endpoint; SSRF-checked by the server after this. */
export const WebhookUrlSchema = v.pipe(
  v.string('must be a string'),
  v.maxLength(2048, 'must be at most 2048 characters'),
  v.description(
    'https URL to POST events to, Standard Webhooks signed with the account secret. Checked by the server: it must resolve to public addresses (WEBHOOK_ALLOW_PRIVATE, WEBHOOK_ALLOW_HTTP).',
  ),
);
/** Which events a webhook receives. */
export const WebhookEventsSchema = v.pipe(
  v.array(v.picklist(EVENT_TYPES, `must be one of ${EVENT_TYPES.join(', ')}`)),
  v.maxLength(EVENT_TYPES.length),
  v.description('Events to send (default the code events); needs webhook_url.'),
);

/** Limits of the request schemas that come from config. */
export type RequestLimits = { maxKeys: number; maxValueLength: number };

const unknownField = (issue: v.BaseIssue<unknown>) =>
  issue.expected === 'never' ? 'is not a known field' : 'must be a JSON object';
// data xor payload, in the document; normalizeRenderSpec checks it with its own message.
const dataXorPayload = <T>(extra: Record<string, unknown> = {}) =>
  v.metadata<T, Record<string, unknown>>({ oneOf: [{ required: ['data'] }, { required: ['payload'] }], ...extra });

const optional = <T extends Record<string, v.GenericSchema>>(entries: T) =>
  Object.fromEntries(Object.entries(entries).map(([k, s]) => [k, v.optional(s)])) as {
    [K in keyof T]: v.OptionalSchema<T[K], undefined>;
  };

/** POST /v1/codes. */
export function codeRequestSchema(limits: RequestLimits) {
  return v.pipe(
    v.strictObject(
      {
        ...optional(RENDER_SCHEMAS),
        metadata: v.optional(
          v.pipe(
            metadataSchema(limits),
            v.description(`Small string key/values echoed on the code (at most ${limits.maxKeys} keys).`),
          ),
        ),
        webhook_url: v.optional(WebhookUrlSchema),
        webhook_events: v.optional(WebhookEventsSchema),
      },
      unknownField,
    ),
    dataXorPayload({ dependentRequired: { webhook_events: ['webhook_url'] } }),
  );
}

/** The POST /v1/codes fields besides the render fields. */
export const CODE_EXTRA_FIELDS = Object.keys(
  codeRequestSchema({ maxKeys: 1, maxValueLength: 1 }).pipe[0].entries,
).filter((key) => !(RENDER_FIELDS as string[]).includes(key));

/** POST /v1/render-urls: the render fields and how long the URL lives. */
export function renderUrlRequestSchema(maxTtlSeconds: number) {
  return v.pipe(
    v.strictObject(
      {
        ...optional(RENDER_SCHEMAS),
        ttl_seconds: v.optional(
          v.pipe(
            v.number('must be a number of seconds'),
            v.integer('must be whole seconds'),
            v.minValue(1, 'must be at least 1'),
            v.maxValue(maxTtlSeconds, `must be at most ${maxTtlSeconds}`),
            v.description('Seconds the URL stays valid (at most RENDER_URL_MAX_TTL_SECONDS).'),
          ),
          3600,
        ),
      },
      unknownField,
    ),
    dataXorPayload(),
  );
}

/** Fields of a batch row besides the render fields. */
export const ROW_SCHEMAS = {
  filename: v.pipe(v.string('must be a string'), v.description('File name in results.zip (extension added).')),
  custom_id: v.pipe(v.string('must be a string'), v.description('Your id for the row, echoed in manifest.csv.')),
} as const;

/** One JSON Lines row of POST /v1/batches (a CSV row has the same columns, metadata as metadata.<key>). */
export function batchRowSchema(limits: RequestLimits) {
  return v.pipe(
    v.strictObject(
      { ...optional(RENDER_SCHEMAS), ...optional(ROW_SCHEMAS), metadata: v.optional(metadataSchema(limits)) },
      unknownField,
    ),
    dataXorPayload(),
  );
}

const { data: _data, payload: _payload, ...ROW_DEFAULT_SCHEMAS } = RENDER_SCHEMAS;

/** What a batch keeps of its query parameters as defaults for every row (the batch object's `defaults`). */
export const batchDefaultsSchema = v.object({ ...optional(ROW_DEFAULT_SCHEMAS), ...optional(ROW_SCHEMAS) });

// "code.succeeded, batch.completed": at most one of each event's worth of names (the server drops repeats).
const eventName = `\\s*(${EVENT_TYPES.map((t) => t.replace('.', '\\.')).join('|')})\\s*`;
const eventList = new RegExp(`^${eventName}(,${eventName}){0,${EVENT_TYPES.length - 1}}$`);

/** Query parameters of POST /v1/batches: defaults for every row (data comes from the rows), plus the controls. */
export const batchQuerySchema = v.object({
  ...optional(ROW_DEFAULT_SCHEMAS),
  ...optional(ROW_SCHEMAS),
  validate_only: v.optional(bool('Check every row and answer counts and row errors; create nothing.')),
  webhook_url: v.optional(WebhookUrlSchema),
  webhook_events: v.optional(
    v.pipe(
      v.string(),
      v.regex(eventList, `must be up to ${EVENT_TYPES.length} of ${EVENT_TYPES.join(', ')}, comma-separated`),
      v.description(
        `Comma-separated: ${EVENT_TYPES.join(', ')} (default batch.completed). Checked by the server: needs webhook_url.`,
      ),
    ),
  ),
});
