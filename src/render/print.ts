// Print sizing: what a render measures on paper at its dpi, and SVG sized in millimetres when a dpi is given.
import type { RenderSpec } from '../domain/render-spec.ts';

export type PrintInfo = {
  dpi: number;
  /** Device dots per module (x-dimension) actually used. */
  dots_per_module: number;
  /** The x-dimension those dots make, in mm (what x_dim_mm was snapped to). */
  x_dim_mm: number;
  /** x_dim_mm as requested, when it was. */
  requested_x_dim_mm: number | null;
  width_mm: number;
  height_mm: number;
};

const mm = (px: number, dpi: number) => Math.round((px * 25.4 * 1000) / dpi) / 1000;

/**
 * Physical size of a render: at the requested dpi, or 72 dpi for PDF/EPS (one pixel per point);
 * null for raster and SVG output without a dpi (a bare pixel image has no physical size).
 */
export function printInfo(spec: RenderSpec, width: number, height: number, dotsPerModule: number): PrintInfo | null {
  const dpi = spec.options.dpi ?? (spec.format === 'pdf' || spec.format === 'eps' ? 72 : undefined);
  if (dpi === undefined) return null;
  return {
    dpi,
    dots_per_module: dotsPerModule,
    x_dim_mm: mm(dotsPerModule, dpi),
    requested_x_dim_mm: spec.options.x_dim_mm ?? null,
    width_mm: mm(width, dpi),
    height_mm: mm(height, dpi),
  };
}

/** The SVG's root width/height in millimetres at `dpi` (viewBox unchanged), so it prints at size. */
export function physicalSvg(svg: string, dpi: number | undefined): string {
  if (dpi === undefined) return svg;
  return svg.replace(
    /width="(\d+(?:\.\d+)?)" height="(\d+(?:\.\d+)?)"/,
    (_, w: string, h: string) => `width="${mm(Number(w), dpi)}mm" height="${mm(Number(h), dpi)}mm"`,
  );
}
