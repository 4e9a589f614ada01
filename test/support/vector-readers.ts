// PDF and EPS read by independent engines, not by the project's own readers (src/render/pdf.ts and
// eps.ts read back only what their writers wrote): MuPDF for PDF, Ghostscript for EPS, both compiled to
// WebAssembly and shipped inside their npm packages (mupdf, @jspawn/ghostscript-wasm), loaded from disk.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as mupdf from 'mupdf';

const require = createRequire(import.meta.url);

/** A page as an image: PNG bytes and the page size in points. */
export type PageImage = { png: Buffer; widthPt: number; heightPt: number; scale: number };

// Thin modules must stay readable: at least this many pixels along the page's longer side, and at least
// two pixels per point (an image sized in pixels at 72 dpi is drawn at twice its size).
const MIN_SIDE_PX = 800;
const scaleFor = (widthPt: number, heightPt: number) => Math.max(2, MIN_SIDE_PX / Math.max(widthPt, heightPt));

/** The document's page count and first page, drawn by MuPDF. */
export function rasterizePdf(pdf: Buffer): PageImage & { pages: number } {
  const doc = mupdf.Document.openDocument(pdf, 'application/pdf');
  try {
    const page = doc.loadPage(0);
    const [x0, y0, x1, y1] = page.getBounds();
    const scale = scaleFor(x1 - x0, y1 - y0);
    const pixmap = page.toPixmap(mupdf.Matrix.scale(scale, scale), mupdf.ColorSpace.DeviceRGB, false, true);
    const png = Buffer.from(pixmap.asPNG());
    pixmap.destroy();
    page.destroy();
    return { png, widthPt: x1 - x0, heightPt: y1 - y0, scale, pages: doc.countPages() };
  } finally {
    doc.destroy();
  }
}

type Ghostscript = {
  FS: { writeFile(path: string, data: Uint8Array): void; readFile(path: string): Uint8Array };
  callMain(args: string[]): number;
};
// WebAssembly as Node has it (the project's TypeScript lib has no DOM/WebAssembly declarations).
type WasmModule = object;
type WasmInstance = object;
const wasm = (globalThis as any).WebAssembly as {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(module: WasmModule, imports: object): Promise<WasmInstance>;
};
let ghostscriptModule: Promise<WasmModule> | undefined;

/** A fresh Ghostscript instance (one per file: an instance reused for many files slows down as it goes). */
async function ghostscript(log: string[]): Promise<Ghostscript> {
  const dir = require.resolve('@jspawn/ghostscript-wasm/gs.wasm').replace(/gs\.wasm$/, '');
  ghostscriptModule ??= wasm.compile(readFileSync(`${dir}gs.wasm`));
  const compiled = await ghostscriptModule;
  const { default: load } = (await import('@jspawn/ghostscript-wasm/gs.mjs')) as {
    default: (options: object) => Promise<Ghostscript>;
  };
  return load({
    print: (line: string) => log.push(line),
    printErr: (line: string) => log.push(line),
    // Its loader would fetch() the wasm by path; hand it the compiled module instead.
    instantiateWasm: (imports: object, receive: (instance: WasmInstance) => void) => {
      void wasm.instantiate(compiled, imports).then(receive);
      return {};
    },
  });
}

/** The EPS drawn by Ghostscript, cropped to its bounding box; throws with Ghostscript's output if it refuses. */
export async function rasterizeEps(eps: Buffer): Promise<PageImage> {
  // The bounding box is the DSC comment Ghostscript crops to (-dEPSCrop); it only picks the resolution.
  const box = /^%%(?:HiRes)?BoundingBox: ([\d.-]+) ([\d.-]+) ([\d.-]+) ([\d.-]+)/m.exec(eps.toString('latin1'));
  if (!box) throw new Error('no %%BoundingBox in the EPS');
  const [x0, y0, x1, y1] = box.slice(1).map(Number) as [number, number, number, number];
  const scale = scaleFor(x1 - x0, y1 - y0);
  const log: string[] = [];
  const gs = await ghostscript(log);
  gs.FS.writeFile('/in.eps', eps);
  const args = ['-q', '-dSAFER', '-dBATCH', '-dNOPAUSE', '-dEPSCrop', '-sDEVICE=png16m'];
  const status = gs.callMain([...args, `-r${72 * scale}`, '-sOutputFile=/out.png', '/in.eps']);
  if (status !== 0) throw new Error(`Ghostscript exited ${status}: ${log.join('\n')}`);
  return { png: Buffer.from(gs.FS.readFile('/out.png')), widthPt: x1 - x0, heightPt: y1 - y0, scale };
}
