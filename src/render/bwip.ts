// bwip-js as the encoder of the 2D symbols we draw as module matrices (DataMatrix, PDF417, Micro QR, rMQR,
// GS1 QR; Aztec where our port of its encoder does not follow BWIPP). Traps: rMQR needs an explicit
// version; PDF417 comes back one pixel row per symbol row.
import bwipjs from 'bwip-js';
import type { RenderSpec } from '../domain/render-spec.ts';
import type { Symbology } from '../domain/symbologies.ts';
import { encodeAztec } from './aztec.ts';
import type { Matrix } from './matrix.ts';
import type { EncodeFailure } from './qr.ts';

// rMQR versions, smallest area first: the first that encodes the data wins.
export const RMQR_VERSIONS = [7, 9, 11, 13, 15, 17]
  .flatMap((r) => [27, 43, 59, 77, 99, 139].map((c) => ({ r, c })))
  .filter(({ r, c }) => !(c === 27 && r !== 11 && r !== 13))
  .sort((a, b) => a.r * a.c - b.r * b.c)
  .map(({ r, c }) => `R${r}x${c}`);

function message(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/^bwipp\.[A-Za-z0-9]+(#\d+)?: /, '');
}

export function failure(sym: Symbology, err: unknown): EncodeFailure {
  const text = message(err);
  const path = /eclevel/i.test(text) ? 'ecc' : /version/i.test(text) ? 'version' : /mask/i.test(text) ? 'mask' : 'data';
  return { path, message: `cannot encode as ${sym.name}: ${text}` };
}

export function matrixOptions(sym: Symbology, o: RenderSpec['options']): Record<string, unknown> {
  const opts: Record<string, unknown> = {};
  if (o.ecc !== undefined) opts.eclevel = o.ecc;
  if (o.version !== undefined) opts.version = String(o.version);
  if (o.mask !== undefined) opts.mask = o.mask + 1; // BWIPP numbers masks 1-8
  if (sym.id.startsWith('gs1')) opts.dontlint = false;
  return opts;
}

/** Encodes a 2D symbol with bwip-js into a module matrix. */
export function encodeBwipMatrix(
  sym: Symbology,
  spec: RenderSpec,
): { ok: true; matrix: Matrix } | { ok: false; issue: EncodeFailure } {
  const opts = matrixOptions(sym, spec.options);
  // Aztec takes no options: our port of BWIPP's encoder, where it follows BWIPP (aztec.ts).
  const aztec = sym.id === 'azteccode' && Object.keys(opts).length === 0 ? encodeAztec(spec.data) : undefined;
  if (aztec) return aztec.ok ? aztec : { ok: false, issue: failure(sym, new Error(aztec.message)) };
  const versions = sym.id === 'rectangularmicroqrcode' ? RMQR_VERSIONS : [undefined];
  let last: unknown;
  for (const version of versions) {
    try {
      const raw = bwipjs.raw(sym.bcid, spec.data, (version === undefined ? opts : { ...opts, version }) as never);
      const first = raw[0];
      if (!first || !('pixs' in first)) throw new Error('bwip-js returned no matrix');
      return { ok: true, matrix: expandRows(first.pixs, first.pixx, first.pixy) };
    } catch (err) {
      last = err;
      if (version !== undefined && !/capacity|fit|large|long|length|exceed/i.test(message(err))) break;
    }
  }
  return { ok: false, issue: failure(sym, last) };
}

// PDF417 comes back with one pixel row per symbol row and pixy = rows x row height: repeat each row.
function expandRows(pixs: readonly number[], cols: number, rows: number): Matrix {
  const stored = Math.floor(pixs.length / cols);
  const repeat = Math.max(1, Math.round(rows / Math.max(1, stored)));
  const cells = new Uint8Array(cols * stored * repeat);
  for (let r = 0; r < stored; r++) {
    const row = pixs.slice(r * cols, (r + 1) * cols);
    for (let k = 0; k < repeat; k++) cells.set(row, (r * repeat + k) * cols);
  }
  return { cols, rows: stored * repeat, cells };
}
