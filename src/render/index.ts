// The render entry: preflight (cheap checks for the API path) and render (bytes), dispatched on the catalog's engine.
import { createRequire } from 'node:module';
import bwipjs from 'bwip-js';
import sharp from 'sharp';
import { CONTENT_TYPES } from '../domain/formats.ts';
import type { Issue, RenderSpec } from '../domain/render-spec.ts';
import { MAX_IMAGE_PX, getSymbology } from '../domain/symbologies.ts';
import type { Symbology } from '../domain/symbologies.ts';
import { encodeBwipMatrix } from './bwip.ts';
import { layoutMatrix, rotateMatrix } from './matrix.ts';
import type { Layout, Matrix } from './matrix.ts';
import { drawingToEps } from './eps.ts';
import { drawingToPdf } from './pdf.ts';
import { linearBitmap, linearDrawing } from './linear/draw.ts';
import type { LinearLayout } from './linear/layout.ts';
import { planLinear, type PlanPurpose } from './linear/plan.ts';
import { maxicodeBitmap, maxicodeDrawing, planMaxicode, type MaxiLayout } from './maxicode.ts';
import { encodeBitmapPng, encodePng } from './png.ts';
import { physicalSvg, printInfo, type PrintInfo } from './print.ts';
import { encodeQr, qrModulesUpperBound } from './qr.ts';
import { convertRaster, encodeBitmapRaster, encodeMatrixRaster, svgToPng, withPhys } from './raster.ts';
import { placeLogo, styledQrDrawing } from './style.ts';
import { encodeSvg } from './svg.ts';
import type { ModuleGrid, Scan, Stride } from './read-hints.ts';
import { drawingToSvg, matrixDrawing, type Drawing } from './vector.ts';

export type { ModuleGrid, Scan, Stride } from './read-hints.ts';
export type RenderResult = {
  bytes: Buffer;
  contentType: string;
  width: number;
  height: number;
  print: PrintInfo | null;
  grid?: ModuleGrid;
  scan?: Scan;
  stride?: Stride;
};

// The formats whose MaxiCode may be read every scale-th pixel (a JPEG's pixels blur across hexagons).
const STRIDED_FORMATS = new Set<string>(['png', 'svg', 'pdf', 'eps']);

/** Thrown by render when the spec cannot be drawn (preflight would have said so). */
export class RenderError extends Error {
  readonly issues: Issue[];
  constructor(issues: Issue[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('; '));
    this.name = 'RenderError';
    this.issues = issues;
  }
}

const require = createRequire(import.meta.url);
const versionOf = (pkg: string): string => (require(`${pkg}/package.json`) as { version: string }).version;

/** Versions that change output bytes; part of the content hash. Bump `render` when this layer's drawing changes. */
export const RENDERER_VERSIONS: Record<string, string> = Object.freeze({
  qrcode: versionOf('qrcode'),
  // bwip-js does not export its package.json; it exports its own and BWIPP's versions.
  'bwip-js': bwipjs.BWIPJS_VERSION,
  bwipp: bwipjs.BWIPP_VERSION,
  // libvips draws webp/jpeg and rasterizes styled codes (librsvg): its version changes those bytes.
  vips: sharp.versions.vips ?? 'unknown',
  render: '7',
});

type MatrixPlan = { kind: 'matrix'; matrix: Matrix; layout: Layout };
type LinearPlan = { kind: 'linear'; layout: LinearLayout; scale: number };
type MaxiPlan = { kind: 'maxi'; layout: MaxiLayout };
type AnyPlan = MatrixPlan | LinearPlan | MaxiPlan;
type Plan = { ok: true; plan: AnyPlan } | { ok: false; issues: Issue[] };

function planMatrix(sym: Symbology, spec: RenderSpec, matrix: Matrix): Plan {
  const { margin, scale, size } = spec.options;
  const layout = layoutMatrix(matrix, margin, scale, size);
  if (!layout) {
    const need = matrix.cols + 2 * margin;
    return {
      ok: false,
      issues: [
        {
          path: 'size',
          message: `size ${size} is too small for this ${sym.name}: ${need} modules wide with the margin, so at least ${need} px`,
        },
      ],
    };
  }
  // A shaped module or finder one pixel across is a square again, or a pattern no reader takes.
  const o = spec.options;
  if (layout.scale < 2 && (o.module_style !== undefined || o.finder_style !== undefined)) {
    const path = o.size !== undefined ? 'size' : o.x_dim_mm !== undefined ? 'x_dim_mm' : 'scale';
    return {
      ok: false,
      issues: [{ path, message: `module_style and finder_style need at least 2 px per module; this ${path} gives 1` }],
    };
  }
  return { ok: true, plan: { kind: 'matrix', matrix, layout } };
}

function plan(spec: RenderSpec, purpose: PlanPurpose): Plan {
  const sym = getSymbology(spec.symbology);
  if (sym.kind === 'linear') {
    const p = planLinear(sym, spec, purpose);
    return p.ok ? { ok: true, plan: { kind: 'linear', ...p.plan } } : { ok: false, issues: [p.issue] };
  }
  if (sym.id === 'maxicode') {
    const p = planMaxicode(spec, sym.defaultScale);
    return p.ok ? { ok: true, plan: { kind: 'maxi', layout: p.layout } } : { ok: false, issues: [p.issue] };
  }
  const encoded = sym.engine === 'qrcode' ? encodeQr(spec) : encodeBwipMatrix(sym, spec);
  return encoded.ok ? planMatrix(sym, spec, encoded.matrix) : { ok: false, issues: [encoded.issue] };
}

function sizeIssues(spec: RenderSpec, width: number, height: number): Issue[] {
  if (width <= MAX_IMAGE_PX && height <= MAX_IMAGE_PX) return [];
  const path = spec.options.size === undefined ? 'scale' : 'size';
  return [
    {
      path,
      message: `the image would be ${width}x${height} px; the limit is ${MAX_IMAGE_PX}x${MAX_IMAGE_PX}, use a smaller ${path}`,
    },
  ];
}

// The delivered image's size: every layout is unrotated.
function dims(p: AnyPlan, rotate: number): { width: number; height: number } {
  return rotate === 90 || rotate === 270 ? { width: p.layout.height, height: p.layout.width } : p.layout;
}

function dotsPerModule(p: AnyPlan): number {
  if (p.kind === 'matrix') return p.layout.scale;
  if (p.kind === 'linear') return p.scale;
  return p.layout.frame.scale * 2; // bwip-js units: a MaxiCode module is two
}

// The API's hot path: most QR requests are settled by a capacity table instead of an encode.
function qrFitsByBound(spec: RenderSpec): boolean {
  if (getSymbology(spec.symbology).engine !== 'qrcode') return false;
  const modules = qrModulesUpperBound(spec);
  if (modules === undefined) return false;
  const span = modules + 2 * spec.options.margin;
  const width = spec.options.size ?? span * (spec.options.scale ?? 1);
  // Shaped modules need two pixels each (planMatrix): settled here only when even the largest symbol gets them.
  const shaped = spec.options.module_style !== undefined || spec.options.finder_style !== undefined;
  return width <= MAX_IMAGE_PX && width >= (shaped ? 2 : 1) * span;
}

// Symbologies whose symbol has one geometry for every valid data of a length (the data rule has checked
// the digits and the check digit): one encode per set of options answers every later request like it, so
// a 100,000-row EAN-13 batch is checked by one encode, not 100,000.
const FIXED_GEOMETRY = new Set(['ean13', 'ean8', 'upca', 'upce', 'itf14']);
const GEOMETRY_ANSWERS_MAX = 10_000;
const geometryAnswers = new Map<string, Issue[]>();

function geometryKey(spec: RenderSpec): string | undefined {
  if (!FIXED_GEOMETRY.has(spec.symbology)) return undefined;
  return JSON.stringify([spec.symbology, spec.format, spec.data.length, spec.options]);
}

/** Records what a preflight found for a fixed-geometry spec (the pool's threads answer off this thread). */
export function rememberPreflight(spec: RenderSpec, issues: Issue[]): void {
  const key = geometryKey(spec);
  if (key === undefined) return;
  if (geometryAnswers.size >= GEOMETRY_ANSWERS_MAX) geometryAnswers.clear();
  geometryAnswers.set(key, issues);
}

/**
 * Preflight's answer when no engine is needed: the QR capacity table settles the spec, or an encode of
 * the same fixed-geometry symbol did. Undefined: an engine must check it.
 */
export function settledPreflight(spec: RenderSpec): Issue[] | undefined {
  if (qrFitsByBound(spec)) return [];
  const key = geometryKey(spec);
  return key === undefined ? undefined : geometryAnswers.get(key);
}

/**
 * Checks that need the engines: data capacity, size too small, image over 4096x4096.
 * Costs one encode, or none when settledPreflight knows the answer.
 */
export function preflight(spec: RenderSpec): Issue[] {
  const settled = settledPreflight(spec);
  if (settled) return settled;
  const p = plan(spec, 'check');
  // A refusal of the data itself says nothing about other data: only the geometry's answer is kept.
  if (!p.ok) return p.issues;
  const { width, height } = dims(p.plan, spec.options.rotate);
  const issues = sizeIssues(spec, width, height);
  rememberPreflight(spec, issues);
  return issues;
}

/**
 * Renders a normalized spec that preflight accepted to image bytes; throws RenderError when it cannot.
 * Encoders of ours that do not repeat every BWIPP check (GS1-128's lint) rely on that preflight.
 */
export async function render(spec: RenderSpec): Promise<RenderResult> {
  const p = plan(spec, 'draw');
  if (!p.ok) throw new RenderError(p.issues);
  const { width, height } = dims(p.plan, spec.options.rotate);
  const tooBig = sizeIssues(spec, width, height);
  if (tooBig.length > 0) throw new RenderError(tooBig);
  const print = printInfo(spec, width, height, dotsPerModule(p.plan));
  try {
    const bytes = await draw(spec, p.plan);
    const result: RenderResult = { bytes, contentType: CONTENT_TYPES[spec.format], width, height, print };
    if (p.plan.kind === 'matrix' && spec.options.rotate === 0 && !styled(spec)) {
      const { left, top, scale } = p.plan.layout;
      result.grid = { left, top, scale };
    }
    if (p.plan.kind === 'linear') result.scan = scanOf(p.plan.layout, spec.options.rotate);
    // A MaxiCode hexagon is more than three bwip-js units across and three tall: a PNG's pixels, or a vector
    // format's drawing at those pixel centres, may be read every scale-th pixel (the drawing's hexagons are
    // outlines, not the bitmap's pixels, so a few corner samples differ; what is read is still the file's).
    if (p.plan.kind === 'maxi' && STRIDED_FORMATS.has(spec.format) && p.plan.layout.frame.scale >= 2)
      result.stride = p.plan.layout.frame.scale;
    return result;
  } catch (err) {
    if (err instanceof RenderError) throw err;
    const path = spec.options.logo !== undefined && /logo/.test(String(err)) ? 'logo' : 'data';
    throw new RenderError([
      {
        path,
        message: `cannot draw ${spec.symbology} as ${spec.format}: ${err instanceof Error ? err.message : String(err)}`,
      },
    ]);
  }
}

// The delivered image's lines that cross every bar, after the clockwise turn.
function scanOf(l: LinearLayout, rotate: number): Scan {
  const { top, bottom } = l.band;
  const flipped = { from: l.height - bottom, to: l.height - top };
  if (rotate === 90) return { axis: 'column', ...flipped };
  if (rotate === 180) return { axis: 'row', ...flipped };
  if (rotate === 270) return { axis: 'column', from: top, to: bottom };
  return { axis: 'row', from: top, to: bottom };
}

/** Whether the QR gets the styled drawing (rounded/dot modules, finder styles, logo). */
function styled(spec: RenderSpec): boolean {
  const o = spec.options;
  return (
    spec.symbology === 'qrcode' &&
    (o.module_style !== undefined || o.finder_style !== undefined || o.logo !== undefined)
  );
}

async function draw(spec: RenderSpec, p: AnyPlan): Promise<Buffer> {
  const o = spec.options;
  const { format } = spec;
  const vector = (d: Drawing) => (format === 'pdf' ? drawingToPdf(d, o.dpi ?? 72) : drawingToEps(d, o.dpi ?? 72));
  const raster = async (png: Buffer) => {
    if (format === 'png') return o.dpi === undefined ? png : withPhys(png, o.dpi);
    return convertRaster(png, format as 'webp' | 'jpeg', o.dpi);
  };
  const svgOut = (svg: string) => Buffer.from(physicalSvg(svg, o.dpi));
  if (p.kind === 'matrix') {
    const { matrix, layout } = rotateMatrix(p.matrix, p.layout, o.rotate);
    if (styled(spec)) {
      const drawing = await placeLogo(styledQrDrawing(matrix, layout, o), matrix, layout, o);
      if (format === 'pdf' || format === 'eps') return vector(drawing);
      const svg = drawingToSvg(drawing);
      return format === 'svg' ? svgOut(svg) : raster(await svgToPng(svg));
    }
    if (format === 'svg') return svgOut(encodeSvg(matrix, layout, o.foreground, o.background));
    if (format === 'pdf' || format === 'eps') return vector(matrixDrawing(matrix, layout, o.foreground, o.background));
    if (format === 'png') return raster(encodePng(matrix, layout, o.foreground, o.background));
    return encodeMatrixRaster(matrix, layout, format as 'webp' | 'jpeg', o.foreground, o.background, o.dpi);
  }
  // Linear symbols and MaxiCode: a bitmap for raster formats, a drawing for vector ones, from one layout.
  if (format === 'svg' || format === 'pdf' || format === 'eps') {
    const drawing =
      p.kind === 'maxi'
        ? maxicodeDrawing(p.layout, o.rotate, o.foreground, o.background)
        : linearDrawing(p.layout, o.rotate, o.foreground, o.background);
    return format === 'svg' ? svgOut(drawingToSvg(drawing, p.kind === 'linear')) : vector(drawing);
  }
  const bitmap = p.kind === 'maxi' ? maxicodeBitmap(p.layout, o.rotate) : linearBitmap(p.layout, o.rotate);
  if (format === 'png') {
    const png = encodeBitmapPng(bitmap, o.foreground, o.background);
    return o.dpi === undefined ? png : withPhys(png, o.dpi);
  }
  return encodeBitmapRaster(bitmap, format as 'webp' | 'jpeg', o.foreground, o.background, o.dpi);
}
