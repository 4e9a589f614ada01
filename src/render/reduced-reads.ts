// The reduced images the verifier hands zxing, each derived from the delivered bytes: lines across a linear
// symbol's band, a plain matrix at its module centres (one pixel per module), MaxiCode at every n-th pixel.
// PNG is read by our PNG reader (once per verification, however many reads it takes), SVG/PDF/EPS by
// reading their drawing back, WebP by libwebp, JPEG through libvips. The renderer's hints say only where to look.
import sharp from 'sharp';
import { luma } from '../domain/colour.ts';
import { epsToDrawing } from './eps.ts';
import { pdfToDrawing } from './pdf.ts';
import { readPng, type PngPixels } from './png-read.ts';
import type { ModuleGrid, Scan } from './read-hints.ts';
import { sampleDrawing, scanDrawing } from './scanline.ts';
import { svgToDrawing, type Drawing } from './vector.ts';
import { decodeWebp, pixelOnWhite, type RgbaImage } from './webp-read.ts';

/** 8-bit grey pixels, row-major. */
export type GreyImage = { grey: Uint8Array; width: number; height: number };

/** Delivered bytes, with their PNG, WebP or drawing read on first use only (every read of one verification shares it). */
export class Delivered {
  readonly bytes: Buffer;
  readonly contentType: string;
  #png: PngPixels | undefined | null = null;
  #webp: RgbaImage | undefined | null = null;
  #drawing: Drawing | undefined | null = null;

  constructor(bytes: Buffer, contentType: string) {
    this.bytes = bytes;
    this.contentType = contentType;
  }

  png(): PngPixels | undefined {
    if (this.#png === null) this.#png = this.contentType === 'image/png' ? readPng(this.bytes) : undefined;
    return this.#png;
  }

  /** A WebP's pixels as libwebp decodes them, alpha as it is (a read composites what it reads). */
  webp(): RgbaImage | undefined {
    if (this.#webp === null) this.#webp = this.contentType === 'image/webp' ? decodeWebp(this.bytes) : undefined;
    return this.#webp;
  }

  /** The drawing an SVG, PDF or EPS reads back as (undefined for a raster format), read once. */
  drawing(): Drawing | undefined {
    if (this.#drawing === null) this.#drawing = vectorDrawing(this.bytes, this.contentType);
    return this.#drawing;
  }
}

/** The drawing a vector format reads back as, undefined for a raster one. */
export function vectorDrawing(bytes: Buffer, contentType: string): Drawing | undefined {
  if (contentType === 'application/pdf') return pdfToDrawing(bytes);
  if (contentType === 'application/postscript') return epsToDrawing(bytes);
  if (contentType.startsWith('image/svg')) return svgToDrawing(bytes.toString('utf8'));
  return undefined;
}

type Raster = { width: number; height: number; at(x: number, y: number): number };

// A raster's grey pixels for the formats our PNG reader does not take: WebP by libwebp (composited on
// white pixel by pixel, only those read), anything else (JPEG) through libvips; weighted as the PNG reader
// weighs colour.
async function greyOf(d: Delivered): Promise<Raster> {
  const webp = d.webp();
  if (webp) {
    const { data, width, height } = webp;
    const at = (x: number, y: number) => {
      const p = (y * width + x) * 4;
      if (data[p + 3] === 255) return luma(data[p]!, data[p + 1]!, data[p + 2]!);
      return luma(pixelOnWhite(data, p, 0), pixelOnWhite(data, p, 1), pixelOnWhite(data, p, 2));
    };
    return { width, height, at };
  }
  const { data, info } = await sharp(d.bytes).flatten({ background: '#ffffff' }).greyscale().raw().toBuffer({
    resolveWithObject: true,
  });
  return { width: info.width, height: info.height, at: (x, y) => data[(y * info.width + x) * info.channels]! };
}

/** The line across the scan band at a fraction of it. */
export const lineAt = (scan: Scan, at: number) => scan.from + Math.floor(Math.max(1, scan.to - scan.from) * at);

/**
 * The delivered image read along lines across the scan band (at fractions of it), stacked one line a row.
 * A PNG's band must be the same on every row (what one line shows is what every line across it shows);
 * one that is not is left to the full-image read.
 */
export async function scannedLines(d: Delivered, scan: Scan, at: readonly number[]): Promise<GreyImage | undefined> {
  const png = d.png();
  if (png && scan.axis === 'row') return pngLines(png, scan, at);
  const lines = at.map((f) => lineAt(scan, f));
  const drawing = d.drawing();
  if (drawing) {
    const length = scan.axis === 'row' ? drawing.width : drawing.height;
    const grey = new Uint8Array(length * lines.length);
    lines.forEach((line, k) => grey.set(scanDrawing(drawing, scan.axis, line), k * length));
    return { grey, width: length, height: lines.length };
  }
  const image = png
    ? { width: png.width, height: png.height, at: (x: number, y: number) => png.luminance(x, y) }
    : await greyOf(d);
  const length = scan.axis === 'row' ? image.width : image.height;
  const grey = new Uint8Array(length * lines.length);
  lines.forEach((line, k) => {
    for (let i = 0; i < length; i++) grey[k * length + i] = scan.axis === 'row' ? image.at(i, line) : image.at(line, i);
  });
  return { grey, width: length, height: lines.length };
}

// A PNG's rows across the band, if every row of the band is the same.
function pngLines(png: PngPixels, scan: Scan, at: readonly number[]): GreyImage | undefined {
  if (scan.to > png.height || !png.sameRows(scan.from, scan.to, lineAt(scan, at[0]!))) return undefined;
  const grey = new Uint8Array(png.width * at.length);
  for (let k = 0; k < at.length; k++) png.samples(lineAt(scan, at[k]!), 0, 1, png.width, grey, k * png.width);
  return { grey, width: png.width, height: at.length };
}

/** Every n-th pixel of a PNG both ways. */
export function stridedGrey(png: PngPixels, n: number): GreyImage {
  const [width, height] = [Math.floor(png.width / n), Math.floor(png.height / n)];
  const grey = new Uint8Array(width * height);
  const o = n >> 1;
  for (let y = 0; y < height; y++) png.samples(y * n + o, o, n, width, grey, y * width);
  return { grey, width, height };
}

/**
 * Every n-th pixel both ways of a delivered PNG, or of an SVG, PDF or EPS at the same pixel centres of its
 * read-back drawing; undefined for the other formats.
 */
export function stridedSamples(d: Delivered, n: number): GreyImage | undefined {
  const png = d.png();
  if (png) return stridedGrey(png, n);
  const drawing = d.drawing();
  if (!drawing) return undefined;
  const [width, height] = [Math.floor(drawing.width / n), Math.floor(drawing.height / n)];
  return { grey: sampleDrawing(drawing, n >> 1, n >> 1, n, width, height), width, height };
}

/** Every n-th pixel of a grey image both ways, at the same phase as stridedGrey. */
export function stridedOf(image: GreyImage, n: number): GreyImage {
  const [width, height] = [Math.floor(image.width / n), Math.floor(image.height / n)];
  const grey = new Uint8Array(width * height);
  const o = n >> 1;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) grey[y * width + x] = image.grey[(y * n + o) * image.width + x * n + o]!;
  return { grey, width, height };
}

/** The image turned clockwise by 90, 180 or 270 degrees. */
export function turnedGrey(image: GreyImage, rotate: 90 | 180 | 270): GreyImage {
  const { width: w, height: h } = image;
  const turned = rotate !== 180;
  const [width, height] = turned ? [h, w] : [w, h];
  const grey = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const [nx, ny] = rotate === 90 ? [h - 1 - y, x] : rotate === 180 ? [w - 1 - x, h - 1 - y] : [y, w - 1 - x];
      grey[ny * width + nx] = image.grey[y * w + x]!;
    }
  return { grey, width, height };
}

/** The image inside a frame of `level` a tenth of its larger side wide (at least 16 px): a quiet zone. */
export function framedGrey(image: GreyImage, level: number): GreyImage {
  const pad = Math.max(16, Math.ceil(Math.max(image.width, image.height) / 10));
  const [width, height] = [image.width + 2 * pad, image.height + 2 * pad];
  const grey = new Uint8Array(width * height).fill(level);
  for (let y = 0; y < image.height; y++)
    grey.set(image.grey.subarray(y * image.width, (y + 1) * image.width), (y + pad) * width + pad);
  return { grey, width, height };
}

/** Every pixel of a PNG. */
export function wholeGrey(png: PngPixels): GreyImage {
  return { grey: png.grey(), width: png.width, height: png.height };
}

/**
 * A plain matrix PNG read at its module centres, one pixel per module: what a pure-image reader samples
 * anyway, at a sixty-fourth of the pixels (QR at the default 8 px/module). Only if every cell of the grid
 * is one colour throughout, so that the centres say all the image says; a module drawn off its grid, or
 * any pixel that differs from its cell, and the image is left to the full-image read.
 */
export function pngCentres(png: PngPixels, grid: ModuleGrid): GreyImage | undefined {
  const { scale } = grid;
  if (scale < 2) return undefined;
  const [ox, oy, half] = [grid.left % scale, grid.top % scale, scale >> 1];
  const width = Math.floor((png.width - ox) / scale);
  const height = Math.floor((png.height - oy) / scale);
  const grey = new Uint8Array(width * height);
  for (let r = 0; r < height; r++) {
    const top = oy + r * scale;
    if (!png.sameRows(top, top + scale, top + half) || !png.uniformRuns(top + half, ox, scale, width)) return undefined;
    png.samples(top + half, ox + half, scale, width, grey, r * width);
  }
  return { grey, width, height };
}

/**
 * A plain matrix in any delivered format read at its module centres, one pixel per module: PNG through our
 * reader, SVG/PDF/EPS by filling their read-back drawing at the centres, WebP decoded by libwebp. JPEG is
 * left to zxing's own decoder, which reads it whole at less cost than libvips' decode.
 */
export async function centreSamples(d: Delivered, grid: ModuleGrid): Promise<GreyImage | undefined> {
  const { scale } = grid;
  if (scale < 2 || d.contentType === 'image/jpeg') return undefined;
  const png = d.png();
  if (png) return pngCentres(png, grid);
  if (d.contentType === 'image/png') return undefined;
  const [ox, oy, half] = [grid.left % scale, grid.top % scale, scale >> 1];
  const drawing = d.drawing();
  if (drawing) {
    const [width, height] = [Math.floor((drawing.width - ox) / scale), Math.floor((drawing.height - oy) / scale)];
    const grey = sampleDrawing(drawing, ox + half, oy + half, scale, width, height);
    return { grey, width, height };
  }
  const image = await greyOf(d);
  const [width, height] = [Math.floor((image.width - ox) / scale), Math.floor((image.height - oy) / scale)];
  const grey = new Uint8Array(width * height);
  for (let r = 0; r < height; r++)
    for (let c = 0; c < width; c++) grey[r * width + c] = image.at(ox + c * scale + half, oy + r * scale + half);
  return { grey, width, height };
}
