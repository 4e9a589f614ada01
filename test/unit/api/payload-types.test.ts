// GET /v1/symbologies lists every payload type with its fields: the list must be the document's payload
// schema and the validator's own rules (which fields are required, which are fields at all).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../../src/api/openapi/document.ts';
import { describePayloadTypes } from '../../../src/api/payload-types.ts';
import { loadConfig } from '../../../src/config.ts';
import { buildPayload, PAYLOAD_TYPES } from '../../../src/domain/payloads.ts';

const ROOT = path.join(import.meta.dirname, '..', '..', '..');
const doc = buildOpenApiDocument(loadConfig({}, ROOT)) as any;
const variants = doc.paths['/v1/codes'].post.requestBody.content['application/json'].schema.properties.payload
  .oneOf as { properties: Record<string, any>; required: string[] }[];
const listed = describePayloadTypes();

/** Valid payloads of each type: together they give every field the type has (epc: reference or text). */
const FULL: Record<string, Record<string, unknown>[]> = {
  wifi: [{ ssid: 'Guest', password: 'correct horse', security: 'WPA', hidden: true }],
  vcard: [
    {
      name: 'Ada Lovelace',
      organization: 'Engines',
      title: 'Analyst',
      phone: '+44 20 7946 0000',
      email: 'ada@example.com',
      url: 'https://example.com/ada',
      address: '12 St James Sq',
      note: 'Met at the\nexhibition',
    },
  ],
  email: [{ to: 'ada@example.com', subject: 'Hello', body: 'Line one\nLine two' }],
  sms: [{ phone: '+44 20 7946 0000', message: 'On my way' }],
  geo: [{ latitude: 51.5, longitude: -0.12, altitude: 35 }],
  url: [{ url: 'https://example.com/' }],
  epc: [
    { name: 'Engines Ltd', iban: 'DE89370400440532013000', bic: 'COBADEFFXXX', amount: 12.5, text: 'Invoice 7' },
    { name: 'Engines Ltd', iban: 'GB82 WEST 1234 5698 7654 32', reference: 'RF18539007547034' },
  ],
};

describe('payload types in GET /v1/symbologies', () => {
  it('lists every payload type the document has, each with its fields, required flags and constraints', () => {
    expect(listed.map((t) => t.type)).toEqual(PAYLOAD_TYPES);
    expect(variants.map((s) => s.properties.type.const)).toEqual(PAYLOAD_TYPES);
    for (const [i, entry] of listed.entries()) {
      const variant = variants[i]!;
      expect(entry.description).toBe(variant.properties.type.description);
      expect(entry.symbologies).toEqual(['qrcode']);
      const { type: _, ...fields } = variant.properties;
      expect(entry.fields.map((f) => f.name)).toEqual(Object.keys(fields));
      for (const field of entry.fields) {
        const schema = fields[field.name];
        expect(field.description, `${entry.type}.${field.name}`).not.toBe('');
        expect(field).toMatchObject({
          type: schema.type,
          required: variant.required.includes(field.name),
          description: schema.description,
        });
        const constraints = { min: 'minimum', max: 'maximum', min_length: 'minLength', max_length: 'maxLength' };
        for (const [ours, theirs] of Object.entries(constraints))
          expect(field[ours as keyof typeof field], `${entry.type}.${field.name}.${ours}`).toBe(schema[theirs]);
        expect(field.values).toEqual(schema.enum);
        expect(field.pattern).toBe(schema.pattern);
        expect(field.default).toEqual(schema.default);
      }
    }
  });

  it('lists the fields the validator takes: each required one is required, no other field is taken', () => {
    for (const entry of listed) {
      const given = new Set(FULL[entry.type]!.flatMap((example) => Object.keys(example)));
      expect([...given].sort(), entry.type).toEqual(entry.fields.map((f) => f.name).sort());
      for (const example of FULL[entry.type]!) checkExample(entry, { type: entry.type, ...example });
    }
  });
});

function checkExample(entry: (typeof listed)[number], full: Record<string, unknown>) {
  expect(buildPayload(full), entry.type).toMatchObject({ ok: true });
  for (const field of entry.fields.filter((f) => f.name in full)) {
    const { [field.name]: _, ...without } = full;
    const built = buildPayload(without);
    if (field.required)
      expect(built, `${entry.type} without ${field.name}`).toMatchObject({
        ok: false,
        issues: [{ path: `payload.${field.name}`, message: `is required for payload type ${entry.type}` }],
      });
    else expect(built, `${entry.type} without ${field.name}`).toMatchObject({ ok: true });
  }
  expect(buildPayload({ ...full, nickname: 'x' })).toMatchObject({
    ok: false,
    issues: [{ path: 'payload.nickname', message: `is not a field of payload type ${entry.type}` }],
  });
}
