// QR Code through the qrcode package: QRCode.create gives the module matrix, we draw it.
import { createRequire } from 'node:module';
import QRCode from 'qrcode';
// Installs the faster mask selection before any QR is encoded (same masks, same matrices).
import './qr-mask.ts';
// And the segment choice qrcode made for the data's shape (same segments).
import './qr-segments.ts';
// And the error-correction codewords without rebuilding the generator per block (same codewords).
import './qr-reed-solomon.ts';
import type { RenderSpec } from '../domain/render-spec.ts';
import type { Matrix } from './matrix.ts';

/** Encoding failure mapped to the request field that caused it. */
export type EncodeFailure = { path: string; message: string };

/** Encodes `spec.data` as a QR matrix, or says why it cannot. */
export function encodeQr(spec: RenderSpec): { ok: true; matrix: Matrix } | { ok: false; issue: EncodeFailure } {
  const { ecc, version, mask } = spec.options;
  try {
    const qr = QRCode.create(spec.data, {
      errorCorrectionLevel: ecc ?? 'M',
      ...(version === undefined ? {} : { version }),
      ...(mask === undefined ? {} : { maskPattern: mask as QRCode.QRCodeMaskPattern }),
    });
    const size = qr.modules.size;
    return { ok: true, matrix: { cols: size, rows: size, cells: qr.modules.data } };
  } catch (err) {
    return { ok: false, issue: describeQrError(spec, err) };
  }
}

function describeQrError(spec: RenderSpec, err: unknown): EncodeFailure {
  const text = err instanceof Error ? err.message : String(err);
  const needed = /Minimum version required to store current data is: (\d+)/.exec(text);
  if (needed)
    return {
      path: 'version',
      message: `version ${spec.options.version} is too small for this data at ECC ${spec.options.ecc}; it needs at least ${needed[1]}`,
    };
  if (/too big/i.test(text))
    return {
      path: 'data',
      message: `data is too long for a QR Code at ECC ${spec.options.ecc} (at most 2953 bytes at ECC L, fewer at higher levels)`,
    };
  return { path: 'data', message: `cannot encode as QR Code: ${text}` };
}

// Byte-mode capacity per version for each ECC level, from the qrcode package's own tables.
const requireCjs = createRequire(import.meta.url);
const qrVersion = requireCjs('qrcode/lib/core/version.js') as {
  getCapacity(v: number, ecl: unknown, mode: unknown): number;
};
const qrEcl = requireCjs('qrcode/lib/core/error-correction-level.js') as Record<'L' | 'M' | 'Q' | 'H', unknown>;
const qrMode = requireCjs('qrcode/lib/core/mode.js') as { BYTE: unknown };
const BYTE_CAPACITY = Object.fromEntries(
  (['L', 'M', 'Q', 'H'] as const).map((level) => [
    level,
    Array.from({ length: 40 }, (_, i) => qrVersion.getCapacity(i + 1, qrEcl[level], qrMode.BYTE)),
  ]),
) as Record<'L' | 'M' | 'Q' | 'H', number[]>;

/**
 * An upper bound on the QR module count without encoding: the smallest version whose byte-mode
 * capacity holds the UTF-8 data. qrcode's segmentation never needs more than pure byte mode, so if
 * the image fits at this bound it fits for real. Undefined when the bound says nothing (then encode).
 */
export function qrModulesUpperBound(spec: RenderSpec): number | undefined {
  if (spec.options.version !== undefined) return undefined;
  const capacities = BYTE_CAPACITY[spec.options.ecc ?? 'M'];
  const bytes = Buffer.byteLength(spec.data, 'utf8');
  const version = capacities.findIndex((capacity) => capacity >= bytes) + 1;
  return version === 0 ? undefined : 17 + 4 * version;
}
