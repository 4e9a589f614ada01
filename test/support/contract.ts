// What the contract tests generate and send, read from the live document's schemas: valid render bodies
// (narrowed by the rules the descriptions name), mutations of them, and their wire forms (a query string,
// a CSV file). test/integration/contract.test.ts runs them against the server and ajv.
import fc from 'fast-check';
import { contrastRatio } from '../../src/domain/render-spec.ts';
import { SYMBOLOGY_IDS, getSymbology, optionsFor, type SymbologyId } from '../../src/domain/symbologies.ts';

// The shaped QR modules' minimum and an add-on's bars under its text (named in their descriptions).
const SHAPED_MIN_PX = 2;
const ADDON_TEXT_MIN_BAR_HEIGHT = 13;
import { arbitraryOf, type Json } from './arbitraries.ts';

// 1×1 PNG: a logo's bytes are checked by the server (named in the logo description).
export const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
/** A public address literal: passes the SSRF check without DNS (nothing is ever sent to it here). */
export const PUBLIC_HOOK = 'https://93.184.215.14/hooks/codes';

/** The rules the server checks beyond JSON Schema (each named in a description), as narrowed arbitraries. */
export const NARROWED: Record<string, fc.Arbitrary<unknown>> = {
  scale: fc.integer({ min: 1, max: 8 }),
  size: fc.integer({ min: 400, max: 1500 }),
  bar_height: fc.integer({ min: 5, max: 100 }),
  margin: fc.integer({ min: 0, max: 16 }),
  x_dim_mm: fc.double({ min: 0.1, max: 0.5, noNaN: true }),
  dpi: fc.integer({ min: 72, max: 600 }),
  logo: fc.constantFrom(PNG, `data:image/png;base64,${PNG}`),
  'payload.iban': fc.constantFrom('DE89370400440532013000', 'GB82 WEST 1234 5698 7654 32'),
  'payload.amount': fc.integer({ min: 1, max: 99_999_999 }).map((cents) => cents / 100),
  webhook_url: fc.constant(PUBLIC_HOOK),
};

export type BodyOptions = {
  /** Fields generated besides the render options (metadata, ttl_seconds, filename…). */
  extra?: string[];
  /** Leave payload out (a CSV row cannot carry one). */
  withoutPayload?: boolean;
  /** Replacements for more fields, by dotted path. */
  overrides?: Record<string, fc.Arbitrary<unknown>>;
};

/**
 * Valid render bodies from a body schema: each property's arbitrary is read from the schema; the rules the
 * server checks beyond it (named in the descriptions) narrow them: which options apply to the symbology,
 * its data, capacity and image size, one of scale/size/x_dim_mm, contrast, logo bytes.
 */
export function validBody(schema: Json, options: BodyOptions = {}): fc.Arbitrary<Record<string, unknown>> {
  const props = schema.properties as Record<string, Json>;
  const narrowed = { ...NARROWED, ...options.overrides };
  // QR Code most often: the other symbologies' preflight plans the symbol (tens of ms each on a busy machine).
  const others = SYMBOLOGY_IDS.filter((id) => id !== 'qrcode');
  const symbology = fc.oneof(
    { weight: 3, arbitrary: fc.constant('qrcode' as const) },
    { weight: 1, arbitrary: fc.constantFrom(...others) },
  );
  const bySymbology = new Map(SYMBOLOGY_IDS.map((id) => [id, bodyFor(id)]));
  return symbology.chain((id: SymbologyId) => bySymbology.get(id)!);

  // Built once per symbology: building an arbitrary (a regex's, say) costs far more than drawing from it.
  function bodyFor(id: SymbologyId) {
    const sym = getSymbology(id);
    const fields: Record<string, fc.Arbitrary<unknown>> = {};
    const field = (name: string) => narrowed[name] ?? arbitraryOf(props[name]!, narrowed, name);
    for (const option of optionsFor(sym)) {
      if (!props[option]) continue;
      if ((option === 'version' || option === 'mask') && id !== 'qrcode') continue; // capacity per version
      fields[option] = field(option);
    }
    if (fields.ecc && sym.eccLevels) fields.ecc = fc.constantFrom(...sym.eccLevels);
    if (fields.version) fields.version = fc.integer({ min: 15, max: 40 });
    for (const name of ['format', 'verify', 'allow_low_contrast', ...(options.extra ?? [])])
      if (props[name]) fields[name] = field(name);
    const data = fc.record({
      data:
        id === 'qrcode'
          ? fc.oneof(fc.constant(sym.data.example), narrowed.data ?? fc.string({ minLength: 1, maxLength: 60 }))
          : fc.constant(sym.data.example),
    });
    const source =
      id === 'qrcode' && props.payload && !options.withoutPayload
        ? fc.oneof(data, fc.record({ payload: arbitraryOf(props.payload, narrowed, 'payload') }))
        : data;
    const withSymbology = props.symbology ? fc.constant({ symbology: id }) : fc.constant({});
    return fc
      .tuple(withSymbology, source, fc.record(fields, { requiredKeys: [] }))
      .map(([sym, given, opts]) => fitRules({ ...sym, ...given, ...opts }))
      .filter(contrastOk)
      .filter((body) => darkOnLight(id, body));
  }
}

// The rules between fields the server checks (named in the descriptions), applied to a generated body.
function fitRules(body: Record<string, any>): Record<string, unknown> {
  if (body.scale !== undefined) delete body.size;
  if (body.scale !== undefined || body.size !== undefined) delete body.x_dim_mm;
  if (body.payload) delete body.version;
  if (body.payload?.type === 'epc' && body.payload.reference) delete body.payload.text;
  if (body.logo && (body.format === 'pdf' || body.format === 'eps')) delete body.logo;
  if (!body.logo) delete body.logo_size;
  if (!body.webhook_url) delete body.webhook_events;
  if (body.addon !== undefined && body.include_text !== false && body.bar_height !== undefined)
    body.bar_height = Math.max(ADDON_TEXT_MIN_BAR_HEIGHT, body.bar_height);
  // Shaped modules at 2 px or more: a size for the largest QR Code (version 40, 177 modules) and its margin.
  if ((body.module_style || body.finder_style) && body.size !== undefined)
    body.size = Math.max(body.size, SHAPED_MIN_PX * (177 + 2 * (body.margin ?? 4)));
  // At the body's dpi and at the default 300 both: a query's defaults may carry x_dim_mm without the dpi.
  const dots =
    body.scale ??
    (body.x_dim_mm === undefined ? undefined : Math.round((body.x_dim_mm * Math.min(body.dpi ?? 300, 300)) / 25.4));
  if (dots !== undefined && dots < SHAPED_MIN_PX) {
    delete body.module_style;
    delete body.finder_style;
  }
  return body;
}

const hex = (c: string) => (c.length === 4 ? `#${c[1]}${c[1]}${c[2]}${c[2]}${c[3]}${c[3]}` : c).toLowerCase();

function contrastOk(body: Record<string, any>): boolean {
  const fg = hex(body.foreground ?? '#000000');
  const bg = hex(body.background ?? '#ffffff');
  return fg !== bg && (body.allow_low_contrast === true || contrastRatio(fg, bg) >= 3);
}

// Light on dark only where the symbology takes it: the lighter colour has the higher contrast against black.
function darkOnLight(id: SymbologyId, body: Record<string, any>): boolean {
  if (getSymbology(id).lightOnDark) return true;
  const [fg, bg] = [hex(body.foreground ?? '#000000'), hex(body.background ?? '#ffffff')];
  return contrastRatio(fg, '#000000') <= contrastRatio(bg, '#000000');
}

/** A mutation of a valid body: a field set to any JSON value, a field the schema lacks, or a field dropped. */
export type Mutation = { set: string; value: unknown } | { drop: string } | { inPayload: string; value: unknown };

/** Mutations of bodies of `schema`; `json: false` for the wire forms that carry text only (query, CSV). */
export function mutationOf(schema: Json, options: { json?: boolean; payload?: boolean } = {}): fc.Arbitrary<Mutation> {
  const fields = Object.keys(schema.properties ?? {});
  // Any value, and numbers near the bounds most fields have (a page size of 0 or 101, a scale of 51).
  const near = fc.oneof(fc.integer({ min: -10, max: 5000 }), fc.double({ min: -1, max: 10, noNaN: true }));
  const value =
    options.json === false
      ? fc.oneof(fc.string({ maxLength: 12 }), near.map(String), fc.constantFrom('true', 'false', '', 'null'))
      : fc.oneof(fc.jsonValue({ maxDepth: 2 }), near);
  const kinds: fc.Arbitrary<Mutation>[] = [
    fc.record({ set: fc.constantFrom(...fields), value }),
    fc.record({ set: fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !fields.includes(k)), value }),
    fc.record({ drop: fc.constantFrom(...fields) }),
  ];
  if (options.payload)
    kinds.push(
      fc.record({
        inPayload: fc.constantFrom('type', 'url', 'ssid', 'phone', 'to', 'latitude', 'iban', 'name', 'extra'),
        value: fc.jsonValue({ maxDepth: 1 }),
      }),
    );
  return fc.oneof(...kinds);
}

/** The body with the mutation applied (a payload mutation turns the body into a QR Code payload one). */
export function mutate(valid: Record<string, unknown>, m: Mutation): Record<string, unknown> {
  const body: Record<string, unknown> = { ...valid };
  if ('drop' in m) delete body[m.drop];
  else if ('set' in m) body[m.set] = m.value;
  else {
    delete body.data;
    body.symbology = 'qrcode';
    body.payload = {
      ...((valid.payload as object) ?? { type: 'url', url: 'https://example.com/' }),
      [m.inPayload]: m.value,
    };
  }
  return body;
}

/**
 * Whether the document names the rule behind a server error in a description ("Checked by the server"):
 * on the field the error names, or (for an option that does not apply to the symbology) on symbology.
 */
export function namedInDescriptions(schema: Json, error: { path: string; message: string }): boolean {
  const props = schema.properties as Record<string, Json>;
  const field = (name: string) => ownProperty(schema, name);
  const describes = (s: Json | undefined): boolean =>
    /Checked by the server/.test(s?.description ?? '') || (s?.anyOf ?? s?.oneOf ?? []).some(describes);
  if (/does not apply to/.test(error.message)) return describes(props.symbology);
  const [first, second] = error.path.replace(/^(query|rows\.\d+)\./, '').split('.');
  if (first === 'payload' && second) return payloadFieldNamed(field('payload'), second);
  return describes(field(first!));
}

/** A property's schema, own properties only: a field named `constructor` is not Object's. */
export const ownProperty = (schema: Json, name: string): Json | undefined =>
  Object.hasOwn(schema.properties ?? {}, name) ? schema.properties[name] : undefined;

function payloadFieldNamed(payload: Json | undefined, name: string): boolean {
  const variants = (payload?.oneOf ?? payload?.anyOf ?? []) as Json[];
  return variants.some((s) => /Checked by the server/.test(ownProperty(s, name)?.description ?? ''));
}

/** A value as a query parameter or CSV cell: text, as the wire carries it. */
export const asText = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/** Fields as a query string. */
export const toQuery = (fields: Record<string, unknown>): string =>
  new URLSearchParams(Object.entries(fields).map(([k, value]): [string, string] => [k, asText(value)])).toString();

/**
 * A query value deserialized by its parameter's schema, as OpenAPI form style reads it: a number for a
 * numeric schema, a boolean for a boolean one, else the text.
 */
export function fromQuery(text: string, schema: Json | undefined): unknown {
  const types = [schema?.type, ...((schema?.enum as unknown[]) ?? []).map((e) => typeof e)].flat();
  if ((types.includes('integer') || types.includes('number')) && /^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (types.includes('boolean') && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}

/** One CSV cell, quoted when it holds a comma, a quote or a line break (RFC 4180), or when `quote` says. */
export const csvCell = (text: string, quote = false): string =>
  quote || /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;

/** Rows (column → text) as a CSV file with a header of every column any row has. */
export function toCsv(rows: Record<string, string>[], quoteAll: boolean[] = []): string {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const lines = rows.map((row, i) => columns.map((c) => csvCell(row[c] ?? '', quoteAll[i])).join(','));
  return [columns.map((c) => csvCell(c)).join(','), ...lines].join('\r\n') + '\r\n';
}

/** A body as the cells of one CSV row: metadata as metadata.<key> columns, other values as text. */
export function csvRowOf(body: Record<string, unknown>): Record<string, string> {
  const row: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) {
    if (key === 'metadata')
      for (const [k, v] of Object.entries(value as Record<string, string>)) row[`metadata.${k}`] = v;
    else row[key] = asText(value);
  }
  return row;
}

/** A server's answer to one generated request: accepted, or refused with the errors it named. */
export type Verdict =
  { refused: false } | { refused: true; errors: { path: string; message: string }[]; answer: string };

/** The verdict of a JSON answer: `accepted` statuses pass; anything else must be a 422 problem. */
export async function verdictOf(res: Response, accepted: (status: number, body: any) => boolean): Promise<Verdict> {
  const answer = await res.text();
  const body = answer.startsWith('{') ? JSON.parse(answer) : undefined;
  if (accepted(res.status, body)) return { refused: false };
  if (res.status !== 422)
    throw new Error(`a refusal must be a 422 problem, not ${res.status}: ${answer.slice(0, 300)}`);
  return { refused: true, errors: body?.errors ?? [], answer: answer.slice(0, 400) };
}

/** Runs `each` on `runs` generated values, `parallel` at a time (as concurrent clients send them); `lane` is 0…parallel-1. */
export async function forAll<T>(
  arbitrary: fc.Arbitrary<T>,
  runs: number,
  each: (value: T, lane: number) => Promise<void>,
  parallel = 10,
) {
  await fc.assert(
    fc.asyncProperty(fc.array(arbitrary, { minLength: parallel, maxLength: parallel }), async (values) => {
      await Promise.all(values.map((value, lane) => each(value, lane)));
    }),
    { numRuns: Math.ceil(runs / parallel) },
  );
}

/**
 * Mutations the server refuses, the document refuses too, unless every error the server named is a rule the
 * document names in a description. Returns how many were refused (a caller checks the mutations bite).
 */
export async function refusalsDocumented<T>(options: {
  arbitrary: fc.Arbitrary<T>;
  runs: number;
  send: (value: T, lane: number) => Promise<Verdict>;
  /** ajv's errors for the value as the document reads it. */
  documentErrors: (value: T) => string[];
  named: (error: { path: string; message: string }) => boolean;
  parallel?: number;
}): Promise<number> {
  let refused = 0;
  await forAll(
    options.arbitrary,
    options.runs,
    async (value, lane) => {
      const verdict = await options.send(value, lane);
      if (!verdict.refused) return;
      refused++;
      if (verdict.errors.length > 0 && verdict.errors.every(options.named)) return;
      if (options.documentErrors(value).length === 0)
        throw new Error(
          `${JSON.stringify(value).slice(0, 400)} was refused by the server (${verdict.answer}) but not by the document`,
        );
    },
    options.parallel,
  );
  return refused;
}
