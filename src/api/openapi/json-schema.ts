import { toJsonSchema } from '@valibot/to-json-schema';
import type * as v from 'valibot';

/** A JSON Schema object, as the document holds it. */
export type Json = Record<string, unknown>;

/** A valibot schema as JSON Schema (2020-12, which OpenAPI 3.1 uses); transforms and checks it cannot express are skipped. */
export function jsonSchemaOf(schema: v.GenericSchema): Json {
  const { $schema: _, ...rest } = toJsonSchema(schema, { errorMode: 'ignore', typeMode: 'input' }) as Json;
  return rest;
}

/** `schema` or null. */
export const nullable = (schema: Json): Json => ({ oneOf: [schema, { type: 'null' }] });
export const dateTime: Json = { type: 'string', format: 'date-time' };

/** An object whose every listed property is required. */
export const allRequired = (properties: Record<string, Json>, extra: Json = {}): Json => ({
  type: 'object',
  required: Object.keys(properties),
  properties,
  ...extra,
});

/** One entry of a problem's `errors[]` or a validation answer's `errors`. */
export const fieldError: Json = allRequired({
  path: { type: 'string', description: 'The field, dotted (payload.ssid, rows.3.data, query.scale)' },
  message: { type: 'string' },
});

/** A page of `item` components, as every list answers. */
export const listOf = (item: string, extra: Record<string, Json> = {}): Json => ({
  type: 'object',
  required: ['data', 'next_cursor'],
  properties: {
    object: { const: 'list' },
    data: { type: 'array', items: { $ref: `#/components/schemas/${item}` } },
    next_cursor: nullable({ type: 'string' }),
    ...extra,
  },
});
