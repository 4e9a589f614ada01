// The payload types of GET /v1/symbologies: each type's fields read from its valibot schema through the
// same JSON Schema conversion /openapi.json uses, so the list and the document cannot disagree.
import { PAYLOAD_SCHEMAS, PAYLOAD_SYMBOLOGY, PAYLOAD_TYPES, type PayloadType } from '../domain/payloads.ts';
import { jsonSchemaOf } from './openapi/schemas.ts';

type JsonSchema = {
  type?: string;
  description?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  enum?: unknown[];
};

/** One field of a payload type, with the constraints JSON Schema states (the rest are named in `description`). */
export type PayloadField = {
  name: string;
  type: string;
  required: boolean;
  description: string;
  default?: unknown;
  min?: number;
  max?: number;
  min_length?: number;
  max_length?: number;
  pattern?: string;
  format?: string;
  values?: unknown[];
};

function fieldOf(name: string, schema: JsonSchema, required: boolean): PayloadField {
  const constraints = {
    default: schema.default,
    min: schema.minimum,
    max: schema.maximum,
    min_length: schema.minLength,
    max_length: schema.maxLength,
    pattern: schema.pattern,
    format: schema.format,
    values: schema.enum,
  };
  const given = Object.entries(constraints).filter(([, value]) => value !== undefined);
  return {
    name,
    type: schema.type ?? 'string',
    required,
    description: schema.description ?? '',
    ...Object.fromEntries(given),
  };
}

function describePayloadType(type: PayloadType) {
  const schema = jsonSchemaOf(PAYLOAD_SCHEMAS[type]) as { properties: Record<string, JsonSchema>; required?: string[] };
  const { type: discriminator, ...fields } = schema.properties;
  return {
    object: 'payload_type' as const,
    type,
    description: discriminator?.description ?? '',
    symbologies: [PAYLOAD_SYMBOLOGY],
    fields: Object.entries(fields).map(([name, field]) => fieldOf(name, field, (schema.required ?? []).includes(name))),
  };
}

/** Every payload type `payload` takes, with its fields. */
export function describePayloadTypes() {
  return PAYLOAD_TYPES.map(describePayloadType);
}
