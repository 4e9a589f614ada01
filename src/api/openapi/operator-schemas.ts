// Response components of the public operator routes: health, readiness and this document itself.
import { allRequired, type Json } from './json-schema.ts';

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const mapOf = (value: Json, description: string): Json => ({
  type: 'object',
  description,
  additionalProperties: value,
});
// Inside the document, schemas are JSON Schema 2020-12 (an object, or true/false).
const jsonSchema: Json = { type: ['object', 'boolean'], description: 'A JSON Schema (2020-12)' };
const named = { name: { type: 'string' }, description: { type: 'string' } };
const mediaTypes = mapOf(
  {
    type: 'object',
    properties: { schema: jsonSchema },
    // Spectral reads a schema property named `examples` as an Examples map and checks it as one.
    patternProperties: {
      '^examples$': mapOf(
        { type: 'object', required: ['value'], properties: { value: { description: 'The example, any JSON value' } } },
        'Examples by name',
      ),
    },
  },
  'Media Type Objects by content type',
);
// A Reference Object, {"$ref": "#/…"}: said without naming $ref as a property, which linters read as a reference.
const reference: Json = {
  type: 'object',
  description: 'A Reference Object: its $ref',
  propertyNames: { pattern: '^\\$ref$' },
  minProperties: 1,
  additionalProperties: { type: 'string' },
};

export const OPERATOR_SCHEMAS: Record<string, Json> = {
  Health: allRequired({ status: { const: 'ok' } }),
  Readiness: {
    type: 'object',
    required: ['status'],
    properties: {
      status: { enum: ['ready', 'unavailable', 'shutting_down'] },
      checks: {
        type: 'object',
        description: '"ok", or what failed',
        required: ['redis', 'postgres'],
        properties: { redis: { type: 'string' }, postgres: { type: 'string' } },
      },
    },
  },
  OpenApiDocument: {
    type: 'object',
    description: 'An OpenAPI 3.1 document (this one); the parts it uses',
    required: ['openapi', 'info', 'paths', 'components'],
    properties: {
      openapi: { type: 'string', pattern: '^3\\.1\\.' },
      info: {
        type: 'object',
        required: ['title', 'version'],
        properties: {
          title: { type: 'string' },
          version: { type: 'string' },
          description: { type: 'string' },
          contact: { type: 'object', properties: { name: { type: 'string' }, url: { type: 'string' } } },
          license: { type: 'object', properties: { name: { type: 'string' }, url: { type: 'string' } } },
        },
      },
      servers: { type: 'array', items: allRequired({ url: { type: 'string' } }) },
      security: { type: 'array', items: mapOf({ type: 'array', items: { type: 'string' } }, 'Scopes by scheme') },
      tags: { type: 'array', items: { type: 'object', required: ['name'], properties: named } },
      paths: mapOf(ref('OpenApiPathItem'), 'Path Item Objects by path'),
      webhooks: mapOf(ref('OpenApiPathItem'), 'Path Item Objects by webhook name'),
      components: {
        type: 'object',
        properties: {
          schemas: mapOf(jsonSchema, 'Schemas by name'),
          parameters: mapOf(ref('OpenApiParameter'), 'Parameters by name'),
          headers: mapOf(
            { type: 'object', properties: { description: { type: 'string' }, schema: jsonSchema } },
            'Headers by name',
          ),
          securitySchemes: mapOf(
            {
              type: 'object',
              required: ['type'],
              properties: { type: { type: 'string' }, scheme: { type: 'string' }, description: { type: 'string' } },
            },
            'Security schemes by name',
          ),
        },
      },
    },
  },
  OpenApiPathItem: mapOf(ref('OpenApiOperation'), 'Operation Objects by method'),
  OpenApiOperation: {
    type: 'object',
    required: ['responses'],
    properties: {
      operationId: { type: 'string' },
      summary: { type: 'string' },
      description: { type: 'string' },
      tags: { type: 'array', items: { type: 'string' } },
      security: { type: 'array', items: mapOf({ type: 'array', items: { type: 'string' } }, 'Scopes by scheme') },
      parameters: { type: 'array', items: { oneOf: [ref('OpenApiParameter'), reference] } },
      requestBody: { type: 'object', properties: { required: { type: 'boolean' }, content: mediaTypes } },
      responses: mapOf(
        {
          type: 'object',
          required: ['description'],
          properties: {
            description: { type: 'string' },
            headers: mapOf(reference, 'Header references by name'),
            content: mediaTypes,
          },
        },
        'Response Objects by status',
      ),
    },
  },
  OpenApiParameter: {
    type: 'object',
    required: ['name', 'in'],
    properties: {
      name: { type: 'string' },
      in: { enum: ['query', 'header', 'path', 'cookie'] },
      required: { type: 'boolean' },
      description: { type: 'string' },
      schema: jsonSchema,
    },
  },
};
