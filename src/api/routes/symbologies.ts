import { Hono } from 'hono';
import { describeSymbologies } from '../../domain/symbologies.ts';
import { describePayloadTypes } from '../payload-types.ts';

/** /v1/symbologies: the catalog, with each symbology's data rules and options, and the payload types with their fields. */
export function symbologiesRoutes() {
  const body = {
    object: 'list',
    data: describeSymbologies(),
    next_cursor: null,
    payload_types: describePayloadTypes(),
  };
  return new Hono().get('/', (c) => c.json(body));
}
