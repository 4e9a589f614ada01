import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandUpce, gs1CheckDigit } from '../../src/domain/render-spec.ts';
import { decode } from '../support/decode.ts';
import { exited, startProcess, startStack, type TestStack } from '../support/harness.ts';

// The API in-process, the render worker as a real process: the path a production code takes.
let stack: TestStack;
let worker: ReturnType<typeof startProcess>;
beforeAll(async () => {
  stack = await startStack({ workers: 0 });
  worker = startProcess('workers/render.ts', stack.env);
});
afterAll(async () => {
  worker.kill('SIGTERM');
  await exited(worker);
  await stack.close();
});

// zxing reports UPC-A as its 12 digits, UPC-E as the 8-digit UPC-E form or its EAN-13 expansion.
function acceptedTexts(symbology: string, data: string): string[] {
  if (symbology === 'upca') return [data, `0${data}`];
  if (symbology === 'upce') {
    const upca = expandUpce(data.slice(0, 7));
    return [data, `${upca}${gs1CheckDigit(upca)}`, `0${upca}${gs1CheckDigit(upca)}`];
  }
  return [data];
}

describe('every catalog symbology, png and svg, submitted through the API decodes to what was sent', async () => {
  const catalog = await (async () => {
    const s = await startStack({ workers: 0 });
    try {
      return ((await (await s.request('GET', '/v1/symbologies')).json()) as any).data as { id: string; data: { example: string } }[];
    } finally {
      await s.close();
    }
  })();
  expect(catalog.length).toBeGreaterThanOrEqual(21);

  for (const { id, data } of catalog) {
    for (const format of ['png', 'svg'] as const) {
      it(`${id} ${format}`, async () => {
        const res = await stack.request('POST', '/v1/codes', { symbology: id, format, data: data.example });
        expect(res.status, await res.clone().text()).toBe(202);
        const code = await stack.waitForCode(((await res.json()) as any).id);
        expect(code.status, JSON.stringify(code.error)).toBe('succeeded');
        const content = await stack.request('GET', code.result.url);
        expect(content.headers.get('content-type')).toBe(code.result.content_type);
        const bytes = Buffer.from(await content.arrayBuffer());
        const decoded = await decode(bytes, code.result.content_type);
        const texts = decoded.map((d) => d.text);
        expect(texts.some((t) => acceptedTexts(id, code.data).includes(t)), `${texts} vs ${code.data}`).toBe(true);
      });
    }
  }
});
