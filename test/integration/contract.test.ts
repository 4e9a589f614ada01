// The contract: bodies generated from the live /openapi.json's own schemas are accepted by the document
// (ajv) and by the server, per operation; a mutation the server refuses, the document refuses too, unless
// the refused rule is one the document names in a description ("Checked by the server").
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { contrastRatio } from '../../src/domain/render-spec.ts';
import { SYMBOLOGY_IDS, getSymbology, optionsFor, type SymbologyId } from '../../src/domain/symbologies.ts';
import { arbitraryOf, type Json } from '../support/arbitraries.ts';
import { startStack, type TestStack } from '../support/harness.ts';

const RUNS = Number(process.env.CONTRACT_RUNS ?? 2000);
const MUTATIONS = Math.round(RUNS / 2);
vi.setConfig({ testTimeout: 300_000 });
// 1×1 PNG: a logo's bytes are checked by the server (named in the logo description).
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

let stack: TestStack;
let doc: Json;
let ajv: Ajv2020;
beforeAll(async () => {
  stack = await startStack({ workers: 0 });
  doc = (await (await stack.request('GET', '/openapi.json', undefined, { authorization: '' })).json()) as Json;
  ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema({ $id: 'doc', components: doc.components });
});
afterAll(() => stack?.close());

const bodySchema = (path: string, type = 'application/json'): Json => {
  const schema = doc.paths[path].post.requestBody.content[type].schema as Json;
  return schema.$ref ? resolve(schema.$ref) : schema;
};
const resolve = (ref: string): Json => doc.components.schemas[ref.split('/').at(-1)!];
const compile = (schema: Json): ValidateFunction => ajv.compile(JSON.parse(JSON.stringify(schema)));
const errorsOf = (validate: ValidateFunction, value: unknown) =>
  validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);

/**
 * Valid bodies from a body schema: each property's arbitrary is read from the schema; the rules the
 * server checks beyond it (named in the descriptions) narrow them: which options apply to the
 * symbology, its data, capacity and image size, one of scale/size/x_dim_mm, contrast, logo bytes.
 */
function validBody(schema: Json, extra: string[] = []): fc.Arbitrary<Record<string, unknown>> {
  const props = schema.properties as Record<string, Json>;
  const narrowed: Record<string, fc.Arbitrary<unknown>> = {
    scale: fc.integer({ min: 1, max: 8 }),
    size: fc.integer({ min: 400, max: 1500 }),
    bar_height: fc.integer({ min: 5, max: 100 }),
    margin: fc.integer({ min: 0, max: 16 }),
    x_dim_mm: fc.double({ min: 0.1, max: 0.5, noNaN: true }),
    dpi: fc.integer({ min: 72, max: 600 }),
    logo: fc.constantFrom(PNG, `data:image/png;base64,${PNG}`),
    'payload.iban': fc.constantFrom('DE89370400440532013000', 'GB82 WEST 1234 5698 7654 32'),
    'payload.amount': fc.integer({ min: 1, max: 99_999_999 }).map((cents) => cents / 100),
    webhook_url: fc.constant('https://93.184.215.14/hooks/codes'),
  };
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
    const options: Record<string, fc.Arbitrary<unknown>> = {};
    for (const option of optionsFor(sym)) {
      if ((option === 'version' || option === 'mask') && id !== 'qrcode') continue; // capacity per version
      options[option] = narrowed[option] ?? arbitraryOf(props[option]!, narrowed, option);
    }
    if (options.ecc && sym.eccLevels) options.ecc = fc.constantFrom(...sym.eccLevels);
    if (options.version) options.version = fc.integer({ min: 15, max: 40 });
    for (const field of ['format', 'verify', 'allow_low_contrast', ...extra])
      if (props[field]) options[field] = narrowed[field] ?? arbitraryOf(props[field], narrowed, field);
    const data = fc.record({
      data:
        id === 'qrcode'
          ? fc.oneof(fc.constant(sym.data.example), fc.string({ minLength: 1, maxLength: 60 }))
          : fc.constant(sym.data.example),
    });
    const source =
      id === 'qrcode' && props.payload
        ? fc.oneof(data, fc.record({ payload: arbitraryOf(props.payload, narrowed, 'payload') }))
        : data;
    return fc
      .tuple(fc.constant(id), source, fc.record(options, { requiredKeys: [] }))
      .map(([symbology, given, opts]) => fitRules({ symbology, ...given, ...opts }))
      .filter(contrastOk);
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
  return body;
}

function contrastOk(body: Record<string, any>): boolean {
  const hex = (c: string) => (c.length === 4 ? `#${c[1]}${c[1]}${c[2]}${c[2]}${c[3]}${c[3]}` : c).toLowerCase();
  const fg = hex(body.foreground ?? '#000000');
  const bg = hex(body.background ?? '#ffffff');
  return fg !== bg && (body.allow_low_contrast === true || contrastRatio(fg, bg) >= 3);
}

const show = (value: unknown) => JSON.stringify(value).slice(0, 400);

describe('valid bodies generated from /openapi.json', () => {
  it(`POST /v1/codes: ${RUNS} bodies, each valid for the document and accepted by the server`, async () => {
    const schema = bodySchema('/v1/codes');
    const validate = compile(schema);
    const body = validBody(schema, ['metadata', 'webhook_url', 'webhook_events']);
    // Ten at a time: submissions are micro-batched into one insert, as under real traffic.
    await fc.assert(
      fc.asyncProperty(fc.array(body, { minLength: 10, maxLength: 10 }), async (bodies) => {
        for (const b of bodies) expect(errorsOf(validate, b), show(b)).toEqual([]);
        const answers = await Promise.all(
          bodies.map(async (b) => {
            const res = await stack.request('POST', '/v1/codes', b);
            return { status: res.status, text: `${show(b)} → ${await res.text()}` };
          }),
        );
        for (const { status, text } of answers) expect(status, text).toBe(202);
      }),
      { numRuns: RUNS / 10 },
    );
  });

  it(`POST /v1/render-urls: ${RUNS} bodies`, async () => {
    const schema = bodySchema('/v1/render-urls');
    const validate = compile(schema);
    await fc.assert(
      fc.asyncProperty(validBody(schema, ['ttl_seconds']), async (body) => {
        expect(errorsOf(validate, body), show(body)).toEqual([]);
        const res = await stack.request('POST', '/v1/render-urls', body);
        expect(res.status, `${show(body)} → ${await res.clone().text()}`).toBe(201);
      }),
      { numRuns: RUNS },
    );
  });

  it(`POST /v1/batches (application/x-ndjson, validate_only): ${RUNS} rows`, async () => {
    const schema = bodySchema('/v1/batches', 'application/x-ndjson');
    const validate = compile(schema);
    const rows = fc.sample(validBody(schema, ['metadata', 'filename', 'custom_id']), RUNS);
    for (const row of rows) expect(errorsOf(validate, row), show(row)).toEqual([]);
    const res = await stack.request(
      'POST',
      '/v1/batches?validate_only=true',
      rows.map((r) => JSON.stringify(r)).join('\n'),
      {
        'content-type': 'application/x-ndjson',
      },
    );
    const answer = (await res.json()) as { valid: boolean; errors: unknown[] };
    expect(answer.errors).toEqual([]);
    expect(answer.valid).toBe(true);
  });
});

// Whether the document names the rule behind a server error in a description ("Checked by the server").
function namedInDescriptions(schema: Json, error: { path: string; message: string }): boolean {
  const props = schema.properties as Record<string, Json>;
  const field = props[error.path.split('.')[0]!];
  if (/does not apply to/.test(error.message)) return /Checked by the server/.test(props.symbology?.description ?? '');
  return /Checked by the server/.test(field?.description ?? '');
}

describe('mutations of valid bodies', () => {
  it(`POST /v1/codes: ${MUTATIONS} mutations the server refuses, the document refuses too (or names the rule)`, async () => {
    const schema = bodySchema('/v1/codes');
    const validate = compile(schema);
    const fields = Object.keys(schema.properties);
    const mutation = fc.oneof(
      // a field set to any JSON value
      fc.record({ set: fc.constantFrom(...fields), value: fc.jsonValue({ maxDepth: 2 }) }),
      // a field the contract does not have
      fc.record({
        set: fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !fields.includes(k)),
        value: fc.jsonValue({ maxDepth: 1 }),
      }),
      // a payload field set to any JSON value (the valid body's payload, or a url one)
      fc.record({
        inPayload: fc.constantFrom('type', 'url', 'ssid', 'phone', 'to', 'latitude', 'iban', 'name', 'extra'),
        value: fc.jsonValue({ maxDepth: 1 }),
      }),
      // data and payload together, or neither
      fc.constantFrom(
        { set: 'payload', value: { type: 'url', url: 'https://example.com/' }, keepData: true },
        { drop: ['data', 'payload'] },
      ),
    );
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(validBody(schema, ['metadata']), mutation, async (valid, m: any) => {
        const body: Record<string, unknown> = { ...valid };
        if (m.set !== undefined) {
          if (m.set === 'payload' && !m.keepData) delete body.data;
          if (m.set === 'data') delete body.payload;
          body[m.set] = m.value;
        }
        for (const key of m.drop ?? []) delete body[key];
        if (m.inPayload !== undefined) {
          delete body.data;
          body.symbology = 'qrcode';
          body.payload = {
            ...((valid.payload as object) ?? { type: 'url', url: 'https://example.com/' }),
            [m.inPayload]: m.value,
          };
        }
        const res = await stack.request('POST', '/v1/codes', body);
        if (res.status === 202) return;
        expect(res.status, show(body)).toBe(422);
        refused++;
        const problem = (await res.json()) as { errors: { path: string; message: string }[] };
        if (problem.errors.every((e) => namedInDescriptions(schema, e))) return;
        expect(
          validate(body),
          `${show(body)} was refused by the server (${show(problem.errors)}) but not by the document`,
        ).toBe(false);
      }),
      { numRuns: MUTATIONS },
    );
    expect(refused).toBeGreaterThan(MUTATIONS / 2);
  });
});
