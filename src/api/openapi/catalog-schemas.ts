// Response components of GET /v1/symbologies: the catalog (describeSymbologies) and the payload types
// (describePayloadTypes, read from the payload schemas).
import { PAYLOAD_TYPES } from '../../domain/payloads.ts';
import { OPTION_IDS, SYMBOLOGY_IDS } from '../../domain/symbologies.ts';
import { allRequired, type Json } from './json-schema.ts';

const scalar: Json = { type: ['string', 'number', 'boolean'] };

export const CATALOG_SCHEMAS: Record<string, Json> = {
  SymbologyList: {
    type: 'object',
    required: ['data', 'next_cursor', 'payload_types'],
    properties: {
      object: { const: 'list' },
      data: { type: 'array', items: { $ref: '#/components/schemas/Symbology' } },
      next_cursor: { type: 'null' },
      payload_types: {
        type: 'array',
        description: 'What `payload` takes: each type with its fields',
        items: { $ref: '#/components/schemas/PayloadType' },
      },
    },
  },
  Symbology: allRequired({
    id: { enum: [...SYMBOLOGY_IDS] },
    name: { type: 'string' },
    kind: { enum: ['linear', '2d'] },
    engine: { enum: ['qrcode', 'bwip-matrix', 'bwip'], description: 'What draws it: the qrcode package or bwip-js' },
    data: {
      type: 'object',
      description: 'The rule data must follow; capacity beyond maxLength is checked when the symbol is planned',
      required: ['description', 'charset', 'pattern', 'minLength', 'maxLength', 'checkDigit', 'example'],
      properties: {
        description: { type: 'string' },
        charset: { type: 'string' },
        pattern: { type: 'string', description: 'A regular expression the whole data must match' },
        minLength: { type: 'integer' },
        maxLength: { type: 'integer', description: 'Upper bound in characters; the capacity may be lower' },
        capacity: {
          type: 'object',
          description: 'Capacity by character class, where it depends on it',
          required: ['numeric', 'bytes'],
          properties: { numeric: { type: 'integer' }, alphanumeric: { type: 'integer' }, bytes: { type: 'integer' } },
        },
        lengths: {
          type: 'array',
          items: { type: 'integer' },
          description: 'Digit counts accepted (the shorter gets its check digit computed)',
        },
        checkDigit: { enum: ['none', 'gs1-mod10', 'gtin-element'] },
        example: { type: 'string' },
      },
    },
    options: {
      type: 'object',
      description: 'The options this symbology takes, by body field name',
      propertyNames: { enum: [...OPTION_IDS] },
      additionalProperties: { $ref: '#/components/schemas/OptionDescription' },
    },
    quiet_zone: { type: 'integer', description: 'Default margin in modules' },
    light_on_dark: {
      type: 'boolean',
      description:
        'Whether a foreground lighter than the background is taken; where false, a reversed request is a 422 on foreground',
    },
  }),
  OptionDescription: {
    type: 'object',
    required: ['type', 'description'],
    properties: {
      type: { enum: ['integer', 'number', 'string', 'boolean'] },
      description: { type: 'string' },
      default: scalar,
      min: { type: 'number' },
      max: { type: 'number' },
      values: { type: 'array', items: { type: ['string', 'number'] } },
      pattern: { type: 'string', description: 'A regular expression the value must match' },
    },
  },
  PayloadType: allRequired({
    object: { const: 'payload_type' },
    type: { enum: [...PAYLOAD_TYPES], description: 'The payload `type`' },
    description: { type: 'string' },
    symbologies: {
      type: 'array',
      items: { enum: [...SYMBOLOGY_IDS] },
      description: 'The symbologies it builds data for',
    },
    fields: { type: 'array', items: { $ref: '#/components/schemas/PayloadField' } },
  }),
  PayloadField: {
    type: 'object',
    description: 'One field; the rules JSON Schema cannot state are named in its description',
    required: ['name', 'type', 'required', 'description'],
    properties: {
      name: { type: 'string' },
      type: { enum: ['string', 'number', 'integer', 'boolean'] },
      required: { type: 'boolean' },
      description: { type: 'string' },
      default: scalar,
      min: { type: 'number' },
      max: { type: 'number' },
      min_length: { type: 'integer' },
      max_length: { type: 'integer' },
      pattern: { type: 'string', description: 'A regular expression the value must match' },
      format: { enum: ['email', 'uri'] },
      values: { type: 'array', items: scalar, description: 'The values it takes' },
    },
  },
};
