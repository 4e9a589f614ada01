import { createConfig, lintFromString } from '@redocly/openapi-core';
import { Document, Spectral } from '@stoplight/spectral-core';
import { Json } from '@stoplight/spectral-parsers';
import { oas } from '@stoplight/spectral-rulesets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../support/harness.ts';

// The live document, as served, linted by the two common OpenAPI linters with their default rulesets.
let stack: TestStack;
let source: string;
beforeAll(async () => {
  stack = await startStack({ workers: 0 });
  const response = await stack.request('GET', '/openapi.json', undefined, { authorization: '' });
  expect(response.status).toBe(200);
  source = await response.text();
});
afterAll(() => stack.close());

describe('/openapi.json lint', () => {
  it("has no error or warning under Redocly's recommended ruleset", async () => {
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source, absoluteRef: 'openapi.json', config });
    const reported = problems
      .filter((p) => p.severity === 'error' || p.severity === 'warn')
      .map((p) => `${p.severity} ${p.ruleId} ${p.location.map((l) => l.pointer).join(' ')}: ${p.message}`);
    expect(reported).toEqual([]);
  });

  it("has no error or warning under Spectral's spectral:oas ruleset", async () => {
    const spectral = new Spectral();
    spectral.setRuleset({ extends: [[oas as never, 'recommended']] });
    const results = await spectral.run(new Document(source, Json, 'openapi.json'));
    // Spectral's severities: 0 error, 1 warn, 2 info, 3 hint.
    const reported = results
      .filter((r) => r.severity <= 1)
      .map((r) => `${r.severity === 0 ? 'error' : 'warn'} ${String(r.code)} #/${r.path.join('/')}: ${r.message}`);
    expect(reported).toEqual([]);
  });
});
