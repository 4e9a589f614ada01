// `npm run bench`: every benchmark in one run, printed as a table with ratios against baselines measured
// in the same run, and written to bench-results/latest.{json,md} (git-ignored; the README quotes them).
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import path from 'node:path';
import { benchBatches } from './batches.ts';
import { benchEndToEnd } from './e2e.ts';
import { benchIntake } from './intake.ts';
import { benchOperations } from './operations.ts';
import { benchRender, type Row } from './render.ts';
import { benchWebhooks } from './webhooks.ts';

type Section = { title: string; rows: Row[] };

function markdown(sections: Section[]): string {
  const lines: string[] = [];
  for (const s of sections) {
    lines.push(`### ${s.title}`, '', '| benchmark | ops/s | ms/op | ratio |', '|---|---:|---:|---|');
    for (const r of s.rows) {
      const ratio = r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}× ${r.note ?? ''}`;
      lines.push(`| ${r.name} | ${r.perSecond} | ${r.msPerOp.toFixed(3)} | ${ratio} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

const sections: Section[] = [];
sections.push({ title: 'Render path (one core, in-process)', rows: await benchRender() });
sections.push({
  title: 'Intake: POST /v1/codes vs bare Hono + queue.add (autocannon, 50 connections; ms/op column = p99 latency)',
  rows: await benchIntake(),
});
sections.push({ title: 'End to end on real processes (API + render workers)', rows: await benchEndToEnd() });
sections.push({
  title: 'Webhooks: fan-out of code.succeeded events to a local receiver (ms/op column = latency for the latency rows)',
  rows: await benchWebhooks(),
});
sections.push({
  title: 'Batches: 100,000-row CSV, ZIP, memory, interactive latency while a batch drains',
  rows: await benchBatches(),
});
sections.push({
  title: 'Operations: access log cost on intake, footprint of npm start',
  rows: await benchOperations(),
});

const out = path.join(import.meta.dirname, '..', '..', 'bench-results');
mkdirSync(out, { recursive: true });
const machine = `${availableParallelism()} cores, ${cpus()[0]?.model ?? 'unknown cpu'}, node ${process.version}`;
writeFileSync(
  path.join(out, 'latest.json'),
  JSON.stringify({ at: new Date().toISOString(), machine, sections }, null, 2),
);
const table = `Measured ${new Date().toISOString().slice(0, 10)} on ${machine}.\n\n${markdown(sections)}`;
writeFileSync(path.join(out, 'latest.md'), table);
console.log(table);
