// fast-check arbitraries read from a JSON Schema (the subset @valibot/to-json-schema writes): the
// contract tests generate request bodies from the document's own schemas, not from a copy of them.
import fc from 'fast-check';

export type Json = Record<string, any>;

/** Per-path replacements for schemas whose extra rules the server checks (named in their descriptions). */
export type Overrides = Record<string, fc.Arbitrary<unknown>>;

const MAX_TEXT = 24;
const isoDate = fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true });

/** An arbitrary of values valid against `schema`; `overrides` replace the schema at a dotted path. */
export function arbitraryOf(schema: Json, overrides: Overrides = {}, path = ''): fc.Arbitrary<unknown> {
  const override = overrides[path];
  if (override) return override;
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...schema.enum);
  const alternatives = (schema.oneOf ?? schema.anyOf) as Json[] | undefined;
  if (Array.isArray(alternatives) && schema.type !== 'object')
    return fc.oneof(...alternatives.map((s: Json) => arbitraryOf(s, overrides, path)));
  switch (schema.type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1_000_000, max: schema.maximum ?? 1_000_000 });
    case 'number':
      return fc.double({
        min: schema.minimum ?? -1e6,
        max: schema.maximum ?? 1e6,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'string':
      return stringOf(schema);
    case 'array':
      return fc.uniqueArray(arbitraryOf(schema.items ?? {}, overrides, `${path}[]`), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 4, 4),
      });
    case 'object':
      return objectOf(schema, overrides, path);
    default:
      throw new Error(`no arbitrary for the schema at "${path}": ${JSON.stringify(schema).slice(0, 200)}`);
  }
}

function stringOf(schema: Json): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.min(schema.maxLength ?? MAX_TEXT, MAX_TEXT);
  if (schema.format === 'email') return fc.constantFrom('ada@example.com', 'first.last@example.org', 'x@a.io');
  if (schema.format === 'uri') return fc.webUrl({ validSchemes: ['https', 'http'] }).filter((u) => u.length <= 200);
  if (schema.format === 'date-time') return isoDate.map((d) => d.toISOString());
  if (schema.format === 'date') return isoDate.map((d) => d.toISOString().slice(0, 10));
  if (schema.pattern)
    return fc
      .stringMatching(new RegExp(schema.pattern))
      .filter((s) => s.length >= minLength && s.length <= (schema.maxLength ?? Infinity));
  return fc.string({ minLength, maxLength, unit: 'grapheme-ascii' });
}

function objectOf(schema: Json, overrides: Overrides, path: string): fc.Arbitrary<unknown> {
  const at = (key: string) => (path ? `${path}.${key}` : key);
  if (schema.properties) {
    const entries = Object.fromEntries(
      Object.entries(schema.properties as Record<string, Json>).map(([k, s]) => [k, arbitraryOf(s, overrides, at(k))]),
    );
    return fc.record(entries, { requiredKeys: schema.required ?? [] });
  }
  const value = arbitraryOf(schema.additionalProperties ?? {}, overrides, at('*'));
  const key = stringOf(schema.propertyNames ?? { type: 'string', minLength: 1, maxLength: 40 });
  return fc.dictionary(key, value, { maxKeys: schema.maxProperties ?? 4 });
}
