import { describe, expect, it } from 'vitest';
import { normalizeRenderSpec } from '../../../src/domain/render-spec.ts';
import type { RenderSpec } from '../../../src/domain/render-spec.ts';
import { RENDERER_VERSIONS, RenderError, preflight, render, settledPreflight } from '../../../src/render/index.ts';

function normalized(body: Record<string, unknown>): RenderSpec {
  const r = normalizeRenderSpec(body);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.spec;
}

describe('preflight', () => {
  it('passes a normal QR', () => {
    expect(preflight(normalized({ data: 'https://example.com' }))).toEqual([]);
  });

  it('flags QR data too long for the ECC level on data', () => {
    const issues = preflight(normalized({ data: 'x'.repeat(2400), ecc: 'H' }));
    expect(issues).toEqual([{ path: 'data', message: expect.stringMatching(/too long for a QR Code at ECC H/) }]);
  });

  it('flags a QR version too small on version, naming the minimum', () => {
    const issues = preflight(normalized({ data: 'https://example.com/a/long/path', version: 1 }));
    expect(issues[0]?.path).toBe('version');
    expect(issues[0]?.message).toMatch(/needs at least \d+/);
  });

  it('flags shaped QR modules or finders one pixel across, on the field that set the scale', () => {
    for (const [sizing, path] of [
      [{ scale: 1 }, 'scale'],
      [{ size: 30 }, 'size'],
      [{ x_dim_mm: 0.1, dpi: 150 }, 'x_dim_mm'],
    ] as const)
      for (const style of [{ module_style: 'dots' }, { finder_style: 'rounded' }])
        expect(preflight(normalized({ data: 'call', ...style, ...sizing }))).toEqual([
          { path, message: `module_style and finder_style need at least 2 px per module; this ${path} gives 1` },
        ]);
    expect(preflight(normalized({ data: 'call', finder_style: 'rounded', scale: 2 }))).toEqual([]);
  });

  it('flags an image over 4096 px on scale', () => {
    const issues = preflight(normalized({ data: 'x'.repeat(1000), scale: 50 }));
    expect(issues).toEqual([{ path: 'scale', message: expect.stringMatching(/limit is 4096x4096/) }]);
  });

  it('flags a size too small for the module count', () => {
    const issues = preflight(normalized({ data: 'x'.repeat(500), size: 16 }));
    expect(issues[0]?.path).toBe('size');
  });

  it('flags bwip symbols over capacity and oversize linear images', () => {
    expect(preflight(normalized({ symbology: 'microqrcode', data: 'x'.repeat(30) }))[0]?.path).toBe('data');
    expect(preflight(normalized({ symbology: 'code128', data: 'A'.repeat(80), scale: 50 }))[0]?.path).toBe('scale');
  });

  it('render refuses what preflight refuses', async () => {
    await expect(render(normalized({ data: 'x'.repeat(1000), scale: 50 }))).rejects.toBeInstanceOf(RenderError);
  });
});

describe('RENDERER_VERSIONS', () => {
  it('names the engine versions', () => {
    expect(RENDERER_VERSIONS.qrcode).toMatch(/^\d+\.\d+\.\d+$/);
    expect(RENDERER_VERSIONS['bwip-js']).toMatch(/^\d+\.\d+\.\d+/);
    expect(RENDERER_VERSIONS.render).toMatch(/^\d+$/);
    expect(RENDERER_VERSIONS.vips).toMatch(/^\d+\.\d+/);
  });
});

describe('preflight of fixed-geometry symbols', () => {
  it('answers every EAN-13 with the options of one it encoded, without another encode', () => {
    const first = normalized({ symbology: 'ean13', data: '590123412345', scale: 3, include_text: true });
    const other = normalized({ symbology: 'ean13', data: '400638133393', scale: 3, include_text: true });
    expect(settledPreflight(other)).toBeUndefined();
    expect(preflight(first)).toEqual([]);
    expect(settledPreflight(other)).toEqual([]);
    // Other options are another geometry: not settled by the first.
    expect(settledPreflight(normalized({ symbology: 'ean13', data: '400638133393', scale: 4 }))).toBeUndefined();
  });

  it('gives the geometry refusal (too big, too small) to every data of that geometry', () => {
    const big = (data: string) => normalized({ symbology: 'itf14', data, scale: 40 });
    const issues = preflight(big('1540014128876'));
    expect(issues[0]?.path).toBe('scale');
    expect(settledPreflight(big('0001234560001'))).toEqual(issues);
  });

  it('never settles a symbology whose geometry depends on the data', () => {
    const spec = normalized({ symbology: 'code128', data: 'ABC', scale: 2 });
    preflight(spec);
    expect(settledPreflight(normalized({ symbology: 'code128', data: 'XYZ', scale: 2 }))).toBeUndefined();
  });
});
