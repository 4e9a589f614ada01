// Problem `type`s are absolute URIs under PUBLIC_BASE_URL whose path this server answers with a page; a
// wrong method is a 405 with Allow; the JSON body limit fits the largest logo.
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LOGO_MAX_BYTES } from '../../src/domain/symbologies.ts';
import { PROBLEMS } from '../../src/domain/problems.ts';
import { startStack, unchecked, type TestStack } from '../support/harness.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({ workers: 0, env: { PUBLIC_BASE_URL: 'https://codes.example.test' } });
});
afterAll(() => stack.close());

it("a problem's type is an absolute URI under PUBLIC_BASE_URL, and its path is a page about the problem", async () => {
  const res = await stack.request('POST', '/v1/codes', { data: 'x', scale: 0 });
  expect(res.status).toBe(422);
  const problem = (await res.json()) as { type: string };
  expect(problem.type).toBe('https://codes.example.test/problems/validation_failed');
  const page = await stack.request('GET', new URL(problem.type).pathname, undefined, { authorization: '' });
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  const text = await page.text();
  expect(text).toContain('validation_failed');
  expect(text).toContain(PROBLEMS.validation_failed.title);
});

it('every problem code has its page, listed on /problems; an unknown one is a 404 problem', async () => {
  const index = await (await stack.request('GET', '/problems', undefined, { authorization: '' })).text();
  for (const code of Object.keys(PROBLEMS)) {
    expect(index).toContain(`/problems/${code}`);
    expect((await stack.request('GET', `/problems/${code}`, undefined, { authorization: '' })).status).toBe(200);
  }
  const unknown = await stack.request('GET', '/problems/nope', undefined, { authorization: '' });
  expect(unknown.status).toBe(404);
  expect(await unknown.json()).toMatchObject({
    code: 'not_found',
    type: 'https://codes.example.test/problems/not_found',
  });
});

it('a method a path does not take is a 405 with Allow; a path nobody serves stays a 404', async () => {
  const del = await stack.request('DELETE', '/v1/codes');
  expect(del.status).toBe(405);
  expect(del.headers.get('allow')?.split(', ').sort()).toEqual(['GET', 'HEAD', 'POST']);
  expect(await del.json()).toMatchObject({ code: 'method_not_allowed', status: 405 });
  const cancel = await stack.request('GET', '/v1/codes/code_00000000000000000000000000/cancel');
  expect(cancel.status).toBe(405);
  expect(cancel.headers.get('allow')).toBe('POST');
  expect(
    (await stack.request('PUT', '/openapi.json', unchecked('{}'), { authorization: '' })).headers.get('allow'),
  ).toBe('GET, HEAD');
  expect((await stack.request('GET', '/v1/nothing-here')).status).toBe(404);
});

it('a body carrying a logo near LOGO_MAX_BYTES fits the body limit', async () => {
  // Noise does not compress: a PNG of about LOGO_MAX_BYTES minus a little.
  const side = Math.floor(Math.sqrt((LOGO_MAX_BYTES * 0.9) / 3));
  const noise = Buffer.from(Array.from({ length: side * side * 3 }, () => Math.floor(Math.random() * 256)));
  const png = await sharp(noise, { raw: { width: side, height: side, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();
  expect(png.length).toBeGreaterThan(LOGO_MAX_BYTES * 0.85);
  expect(png.length).toBeLessThanOrEqual(LOGO_MAX_BYTES);
  const res = await stack.request('POST', '/v1/codes', {
    data: 'https://example.com/logo',
    logo: png.toString('base64'),
  });
  expect(res.status, await res.clone().text()).toBe(202);
});
