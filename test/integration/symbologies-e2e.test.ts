import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { FORMATS } from '../../src/domain/formats.ts';
import { acceptedTexts } from '../../src/render/verify.ts';
import { decode } from '../support/decode.ts';
import { exited, startProcess, startStack, type RequestBody, type TestStack } from '../support/harness.ts';

type CodeBody = RequestBody<'POST', '/v1/codes'>;

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

describe('every catalog symbology in every format, submitted through the API, is verified and decodes to what was sent', async () => {
  const catalog = await (async () => {
    const s = await startStack({ workers: 0 });
    try {
      return ((await (await s.request('GET', '/v1/symbologies')).json()) as any).data as {
        id: NonNullable<CodeBody['symbology']>;
        data: { example: string };
      }[];
    } finally {
      await s.close();
    }
  })();
  expect(catalog.length).toBeGreaterThanOrEqual(21);

  for (const { id, data } of catalog) {
    for (const format of FORMATS) {
      it(`${id} ${format}`, async () => {
        const res = await stack.request('POST', '/v1/codes', { symbology: id, format, data: data.example });
        expect(res.status, await res.clone().text()).toBe(202);
        const code = await stack.waitForCode(((await res.json()) as any).id);
        expect(code.status, JSON.stringify(code.error)).toBe('succeeded');
        // The worker decoded the stored bytes before calling it a success, and says what it read.
        expect(code.verification).toMatchObject({ verified: true, decoder: expect.stringMatching(/^zxing-wasm \d/) });
        expect(acceptedTexts(id, code.data)).toContain(code.verification.decoded_text);
        const content = await stack.request('GET', code.result.url);
        expect(content.headers.get('content-type')).toBe(code.result.content_type);
        const bytes = Buffer.from(await content.arrayBuffer());
        const decoded = await decode(bytes, code.result.content_type);
        const texts = decoded.map((d) => d.text);
        expect(
          texts.some((t) => acceptedTexts(id, code.data).includes(t)),
          `${texts} vs ${code.data}`,
        ).toBe(true);
      });
    }
  }
});

describe('render fidelity through the API', () => {
  async function finished(body: CodeBody) {
    const res = await stack.request('POST', '/v1/codes', body);
    expect(res.status, await res.clone().text()).toBe(202);
    return stack.waitForCode(((await res.json()) as any).id);
  }

  it.each([
    ['(01)09506000134353(10)A', '(01)', /check digit 3 is wrong/],
    ['(01)09506000134352(17)261340', '(17)', /not a valid YYMMDD date/],
    ['(01)09506000134352(7777)X', '(7777)', /not a GS1 application identifier/],
  ])('GS1 %s is a 422 naming %s', async (data, ai, message) => {
    const res = await stack.request('POST', '/v1/codes', { symbology: 'gs1-128', data });
    expect(res.status).toBe(422);
    const problem = (await res.json()) as any;
    expect(problem.errors).toEqual([{ path: 'data', message: expect.stringMatching(message) }]);
    expect(problem.errors[0].message).toContain(ai);
  });

  it('EAN-13 at x_dim_mm 0.33 / 300 dpi reports 4 dots per module and its physical size', async () => {
    const code = await finished({ symbology: 'ean13', data: '400638133393', x_dim_mm: 0.33, dpi: 300 });
    expect(code.status).toBe('succeeded');
    expect(code.result.print).toMatchObject({
      dpi: 300,
      dots_per_module: 4,
      x_dim_mm: 0.339,
      requested_x_dim_mm: 0.33,
    });
    expect(code.result.print.width_mm).toBeCloseTo((code.result.width * 25.4) / 300, 2);
    const png = Buffer.from(await (await stack.request('GET', code.result.url)).arrayBuffer());
    expect((await sharp(png).metadata()).density).toBe(300);
    expect(code.result.renderer_versions).toMatchObject({
      qrcode: expect.any(String),
      'bwip-js': expect.any(String),
      render: expect.any(String),
    });
  });

  it('a render that does not scan back is a failed code, not a silent success', async () => {
    const code = await finished({
      data: 'hello',
      foreground: '#777777',
      background: '#7a7a7a',
      allow_low_contrast: true,
    });
    expect(code.status).toBe('failed');
    expect(code.error).toMatchObject({
      code: 'verification_failed',
      message: expect.stringMatching(/does not scan as requested: no barcode/),
    });
    expect(code.result).toBeNull();
  });

  it('a wifi payload with a logo is built, drawn and verified', async () => {
    const logo = (
      await sharp({ create: { width: 40, height: 40, channels: 3, background: '#0057b7' } })
        .png()
        .toBuffer()
    ).toString('base64');
    const code = await finished({
      payload: { type: 'wifi', ssid: 'Office', password: 'correct horse' },
      format: 'svg',
      module_style: 'rounded',
      logo,
    });
    expect(code.status, JSON.stringify(code.error)).toBe('succeeded');
    expect(code.data).toBe('WIFI:T:WPA;S:Office;P:correct horse;;');
    expect(code.verification).toMatchObject({ verified: true, decoded_text: code.data });
  });

  it('verify: false on a plain code skips the decoder and says so', async () => {
    const code = await finished({ data: 'unverified', verify: false });
    expect(code.status).toBe('succeeded');
    expect(code.verification).toBeNull();
  });
});
