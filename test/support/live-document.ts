// The live /openapi.json as the contract tests read it: an operation's body or query schema, and ajv
// validators for values of them.
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { Json } from './arbitraries.ts';
import type { TestStack } from './harness.ts';

export type LiveDocument = Awaited<ReturnType<typeof liveDocument>>;

/** Reads the stack's /openapi.json. */
export async function liveDocument(stack: TestStack) {
  const doc = (await (await stack.request('GET', '/openapi.json', undefined, { authorization: '' })).json()) as Json;
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  const resolve = (schema: Json): Json =>
    schema.$ref ? doc.components.schemas[String(schema.$ref).split('/').at(-1)!] : schema;
  return {
    doc,
    /** An operation's request body schema. */
    body: (path: string, method = 'post', type = 'application/json'): Json =>
      resolve(doc.paths[path][method].requestBody.content[type].schema),
    /** An operation's query parameters as one object schema, closed: a parameter it does not list is outside the contract. */
    query: (path: string, method = 'get'): Json => ({
      type: 'object',
      properties: Object.fromEntries(
        (doc.paths[path][method].parameters as Json[]).filter((p) => p.in === 'query').map((p) => [p.name, p.schema]),
      ),
      additionalProperties: false,
    }),
    /** ajv's errors (empty when valid) for values of `schema`, its $refs resolved in the document. */
    validator: (schema: Json) => {
      const validate = ajv.compile({ ...structuredClone(schema), components: doc.components });
      return (value: unknown): string[] =>
        validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
    },
  };
}
