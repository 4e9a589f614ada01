import { Hono } from 'hono';
import { describeSymbologies } from '../../domain/symbologies.ts';

/** /v1/symbologies: the catalog, with each symbology's data rules and options. */
export function symbologiesRoutes() {
  const body = { object: 'list', data: describeSymbologies(), next_cursor: null };
  return new Hono().get('/', (c) => c.json(body));
}
