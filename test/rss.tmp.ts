import { normalizeRenderSpec } from '../src/domain/render-spec.ts';
import { render } from '../src/render/index.ts';
import { loadVerifier } from '../src/render/decoder.ts';
const verify = await loadVerifier();
const format = process.argv[2]!;
const r0 = normalizeRenderSpec({ symbology: 'ean13', data: '590123412345', format });
if (!r0.ok) throw 1;
let peak = 0;
const t = performance.now();
for (let i = 0; i < 3000; i++) {
  const s = { ...r0.spec, data: String(590123400000 + i) };
  const n = normalizeRenderSpec({ symbology: 'ean13', data: s.data, format });
  if (!n.ok) throw 2;
  const v = await verify(n.spec, await render(n.spec));
  if (!v.verified) throw new Error('x');
  if (i % 50 === 0) peak = Math.max(peak, process.memoryUsage().rss);
}
console.log(format, 'peak rss MB', (peak / 1e6).toFixed(0), 'ms/op', ((performance.now() - t) / 3000).toFixed(3));
