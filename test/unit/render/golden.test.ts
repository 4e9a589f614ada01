// Golden renders: a dependency upgrade (qrcode, bwip-js, libvips) or a change in our drawing that alters
// output bytes fails here, so it is a reviewed decision (bump RENDERER_VERSIONS.render) and never silent.
// Regenerate after reviewing the images: UPDATE_GOLDEN=1 npx vitest run test/unit/render/golden.test.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalizeRenderSpec } from '../../../src/domain/render-spec.ts';
import { sha256Hex } from '../../../src/render/content-key.ts';
import { RENDERER_VERSIONS, render } from '../../../src/render/index.ts';

const FILE = new URL('../../golden/renders.json', import.meta.url);
const CASES: Record<string, Record<string, unknown>> = {
  'qrcode.png': { data: 'https://example.com/golden' },
  'qrcode.svg': { data: 'https://example.com/golden', format: 'svg' },
  'qrcode.pdf': { data: 'https://example.com/golden', format: 'pdf' },
  'qrcode.eps': { data: 'https://example.com/golden', format: 'eps' },
  'qrcode-styled.svg': {
    data: 'https://example.com/golden',
    format: 'svg',
    module_style: 'dots',
    finder_style: 'rounded',
    foreground: '#1a237e',
  },
  'qrcode.webp': { data: 'https://example.com/golden', format: 'webp' },
  'qrcode.jpeg': { data: 'https://example.com/golden', format: 'jpeg' },
  // Colour (three components), a width that ends inside a block, a dpi (JFIF density).
  'qrcode-colour.jpeg': { data: 'GOLDEN', format: 'jpeg', size: 203, foreground: '#1a237e', dpi: 300 },
  'datamatrix.webp': { symbology: 'datamatrix', data: 'GOLDEN-1', format: 'webp', size: 101 },
  'maxicode.jpeg': { symbology: 'maxicode', data: 'GOLDEN-1', format: 'jpeg' },
  'datamatrix.png': { symbology: 'datamatrix', data: 'GOLDEN-1' },
  'code128.svg': { symbology: 'code128', data: 'GOLDEN-1', format: 'svg' },
  'ean13.png': { symbology: 'ean13', data: '4006381333931', x_dim_mm: 0.33, dpi: 300 },
  'gs1-128.png': { symbology: 'gs1-128', data: '(01)09506000134352(10)GOLD' },
  'gs1-128.jpeg': { symbology: 'gs1-128', data: '(01)09506000134352(10)GOLD', format: 'jpeg' },
  'itf14.webp': { symbology: 'itf14', data: '15400141288763', format: 'webp', rotate: 90 },
  // A book: ISBN 978-1-86197-271-2 with its EAN-5 price add-on; a periodical's UPC-E with an EAN-2 issue number.
  'ean13-addon5.png': { symbology: 'ean13', data: '9781861972712', addon: '52250' },
  'upce-addon2.svg': { symbology: 'upce', data: '01234565', addon: '07', format: 'svg' },
  'upca-addon5.pdf': { symbology: 'upca', data: '036000291452', addon: '12345', format: 'pdf' },
};

async function hashes(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, body] of Object.entries(CASES)) {
    const r = normalizeRenderSpec(body);
    if (!r.ok) throw new Error(`${name}: ${JSON.stringify(r.issues)}`);
    out[name] = sha256Hex((await render(r.spec)).bytes);
  }
  return out;
}

describe('golden renders', () => {
  it('match the recorded bytes', async () => {
    const actual = await hashes();
    if (process.env.UPDATE_GOLDEN === '1')
      writeFileSync(FILE, `${JSON.stringify({ versions: RENDERER_VERSIONS, sha256: actual }, null, 2)}\n`);
    const golden = JSON.parse(readFileSync(FILE, 'utf8')) as {
      versions: Record<string, string>;
      sha256: Record<string, string>;
    };
    const changed = Object.keys(CASES).filter((name) => golden.sha256[name] !== actual[name]);
    expect(
      changed,
      `output changed for ${changed.join(', ')}; recorded with ${JSON.stringify(golden.versions)}, now ${JSON.stringify(RENDERER_VERSIONS)}`,
    ).toEqual([]);
  });
});
