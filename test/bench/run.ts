// `npm run bench`: every benchmark in one run, printed as a table with ratios against baselines measured
// in the same run; `npm run bench -- render e2e` runs only the sections named. Each section's table is
// written into docs/performance.md between its own markers (a section not run keeps its block), and the
// whole run into bench-results/latest.{json,md} (git-ignored).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import path from 'node:path';
import { benchBatches } from './batches.ts';
import { benchEanBatch } from './ean-batch.ts';
import { benchEndToEnd } from './e2e.ts';
import { benchIntake } from './intake.ts';
import { benchOperations } from './operations.ts';
import { BENCH_CLOCK, benchRender, type Row } from './render.ts';
import { benchWebhooks } from './webhooks.ts';

type Section = { id: string; title: string; rows: Row[] };
type SectionSpec = { id: string; title: string; run: () => Promise<Row[]> };

const SECTIONS: SectionSpec[] = [
  {
    id: 'render',
    title: `Render path (one core, in-process; ${BENCH_CLOCK === 'cpu' ? 'process CPU time' : 'wall time'} per op)`,
    run: benchRender,
  },
  {
    id: 'intake',
    title: 'Intake: POST /v1/codes vs bare Hono + queue.add (autocannon, 50 connections; ms/op column = p99 latency)',
    run: benchIntake,
  },
  { id: 'e2e', title: 'End to end on real processes (API + render workers)', run: benchEndToEnd },
  {
    id: 'webhooks',
    title:
      'Webhooks: fan-out of code.succeeded events to a local receiver (ms/op column = latency for the latency rows)',
    run: benchWebhooks,
  },
  {
    id: 'batches',
    title: 'Batches: 100,000-row CSV, ZIP, memory, interactive latency while a batch drains',
    run: benchBatches,
  },
  {
    id: 'ean-batch',
    title: 'EAN-13 batch through npm start vs bwip-js serially (PNG, with text)',
    run: benchEanBatch,
  },
  { id: 'operations', title: 'Operations: access log cost on intake, footprint of npm start', run: benchOperations },
];

function table(s: Section): string {
  const lines = [`### ${s.title}`, '', '| benchmark | ops/s | ms/op | ratio |', '|---|---:|---:|---|'];
  for (const r of s.rows) {
    const ratio = r.ratio === undefined ? (r.note ?? '') : `${r.ratio.toFixed(2)}× ${r.note ?? ''}`.trim();
    lines.push(`| ${r.name} | ${r.perSecond} | ${r.msPerOp.toFixed(3)} | ${ratio} |`);
  }
  return lines.join('\n');
}

const START = (id: string) => `<!-- bench:${id}:start -->`;
const END = (id: string) => `<!-- bench:${id}:end -->`;

/** The page with each run section's block replaced (or appended when the page has no block for it yet). */
export function withBlocks(page: string, blocks: { id: string; text: string }[]): string {
  let out = page;
  for (const { id, text } of blocks) {
    const block = `${START(id)}\n${text}\n${END(id)}`;
    const from = out.indexOf(START(id));
    const to = out.indexOf(END(id));
    out =
      from >= 0 && to > from
        ? out.slice(0, from) + block + out.slice(to + END(id).length)
        : `${out.trimEnd()}\n\n${block}\n`;
  }
  return out.endsWith('\n') ? out : `${out}\n`;
}

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((id) => !SECTIONS.some((s) => s.id === id));
if (unknown.length > 0) {
  console.error(`unknown bench section ${unknown.join(', ')}; sections: ${SECTIONS.map((s) => s.id).join(', ')}`);
  process.exit(2);
}
const machine = `${availableParallelism()} cores, ${cpus()[0]?.model ?? 'unknown cpu'}, node ${process.version}`;
const sections: Section[] = [];
for (const spec of SECTIONS) {
  if (wanted.length > 0 && !wanted.includes(spec.id)) continue;
  sections.push({ id: spec.id, title: spec.title, rows: await spec.run() });
}

const root = path.join(import.meta.dirname, '..', '..');
const at = new Date().toISOString();
const page = path.join(root, 'docs', 'performance.md');
const blocks = sections.map((s) => ({ id: s.id, text: `Measured ${at.slice(0, 16)}Z on ${machine}.\n\n${table(s)}` }));
writeFileSync(page, withBlocks(existsSync(page) ? readFileSync(page, 'utf8') : '# Performance\n', blocks));

const out = path.join(root, 'bench-results');
mkdirSync(out, { recursive: true });
writeFileSync(path.join(out, 'latest.json'), JSON.stringify({ at, machine, sections }, null, 2));
const text = `Measured ${at.slice(0, 10)} on ${machine}.\n\n${sections.map(table).join('\n\n')}\n`;
writeFileSync(path.join(out, 'latest.md'), text);
console.log(text);
