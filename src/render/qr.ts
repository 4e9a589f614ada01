// QR Code through the qrcode package: QRCode.create gives the module matrix, we draw it.
import QRCode from 'qrcode';
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
  if (needed) return { path: 'version', message: `version ${spec.options.version} is too small for this data at ECC ${spec.options.ecc}; it needs at least ${needed[1]}` };
  if (/too big/i.test(text)) return { path: 'data', message: `data is too long for a QR Code at ECC ${spec.options.ecc} (at most 2953 bytes at ECC L, fewer at higher levels)` };
  return { path: 'data', message: `cannot encode as QR Code: ${text}` };
}
