// The verification decoder of this process: zxing-wasm's reader and libwebp loaded once from the installed
// packages' wasm files (never fetched from a CDN), shared by every render job the process runs.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { RenderSpec } from '../domain/render-spec.ts';
import type { RenderResult } from './index.ts';
import { verifyRender, type Verification } from './verify.ts';
import { prepareWebpReader } from './webp-read.ts';
import { prepareDecoder } from './zxing.ts';

export type Verify = (
  spec: RenderSpec,
  rendered: Pick<RenderResult, 'bytes' | 'contentType' | 'grid' | 'scan' | 'stride'>,
) => Promise<Verification>;

const require = createRequire(import.meta.url);
let loaded: Promise<Verify> | undefined;

const wasmBytes = (file: Buffer) =>
  file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer;

/** The process's verifier, loading the wasm on first use. */
export function loadVerifier(): Promise<Verify> {
  loaded ??= (async () => {
    const wasmPath = require.resolve('zxing-wasm/reader/zxing_reader.wasm');
    const wasm = readFileSync(wasmPath);
    // The package does not export its package.json; it sits two levels above dist/reader.
    const { version } = JSON.parse(
      readFileSync(path.join(path.dirname(wasmPath), '..', '..', 'package.json'), 'utf8'),
    ) as { version: string };
    await prepareDecoder(wasmBytes(wasm));
    await prepareWebpReader(wasmBytes(readFileSync(require.resolve('@jsquash/webp/codec/dec/webp_dec.wasm'))));
    const decoder = `zxing-wasm ${version}`;
    return (spec, rendered) => verifyRender(spec, rendered, decoder);
  })();
  return loaded;
}
