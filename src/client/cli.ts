#!/usr/bin/env node
// The user CLI (`npx codes …`): a thin shell over the typed client. Reads CODES_URL and CODES_API_KEY
// (a user tool, not the service: the service's config is src/config.ts).
import { createReadStream, createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { ApiError, createClient, type Batch, type CodeRequest } from './index.ts';

const USAGE = `usage: codes <command> [options]     (CODES_URL, CODES_API_KEY or --url, --key)
  submit --data TEXT [--symbology S] [--format F] [--size N] [--out FILE] [--wait-seconds N]
  events CODE_ID [--last-event-id N]
  batch upload FILE.csv|FILE.jsonl [--wait] [--out results.zip]
  batch status BATCH_ID`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string' },
    key: { type: 'string' },
    data: { type: 'string' },
    symbology: { type: 'string' },
    format: { type: 'string' },
    size: { type: 'string' },
    out: { type: 'string' },
    wait: { type: 'boolean' },
    'wait-seconds': { type: 'string' },
    'last-event-id': { type: 'string' },
    help: { type: 'boolean' },
  },
});
const client = createClient({
  baseUrl: values.url ?? process.env.CODES_URL,
  apiKey: values.key ?? process.env.CODES_API_KEY,
});

/** `[#####-----] 512/1000  succeeded 500  failed 12` on stderr, redrawn in place. */
function drawProgress(batch: Batch): void {
  const { total, succeeded, failed, canceled } = batch.counts;
  const done = succeeded + failed + canceled;
  const width = 30;
  const filled = total > 0 ? Math.round((done / total) * width) : 0;
  process.stderr.write(
    `\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}  succeeded ${succeeded}  failed ${failed}  ${batch.status}   `,
  );
}

const isFinished = (batch: Batch) => ['completed', 'failed', 'canceled'].includes(batch.status);

async function batchUpload(file: string): Promise<void> {
  const contentType = /\.jsonl?$|\.ndjson$/i.test(file) ? 'application/x-ndjson' : 'text/csv';
  let batch = await client.uploadBatch(Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>, {
    contentType,
  });
  process.stderr.write(`uploaded ${file} as ${batch.id}\n`);
  if (values.wait || values.out) {
    drawProgress(batch);
    while (!isFinished(batch)) {
      await new Promise((r) => setTimeout(r, 500));
      batch = await client.getBatch(batch.id);
      drawProgress(batch);
    }
    process.stderr.write('\n');
  }
  if (values.out) {
    const res = await client.resultsZip(batch.id);
    await pipeline(Readable.fromWeb(res.body! as never), createWriteStream(values.out));
    process.stderr.write(`wrote ${values.out}\n`);
  }
  process.stdout.write(`${JSON.stringify(batch)}\n`);
}

async function submit(): Promise<void> {
  if (!values.data) throw new UsageError('submit needs --data');
  const body: CodeRequest = { data: values.data };
  if (values.symbology) body.symbology = values.symbology as CodeRequest['symbology'];
  if (values.format) body.format = values.format as CodeRequest['format'];
  if (values.size) body.size = Number(values.size);
  let code = await client.submitCode(body, { wait: Number(values['wait-seconds'] ?? 30) });
  if (code.status === 'queued' || code.status === 'processing') code = await client.finished(code.id);
  if (values.out && code.status === 'succeeded') {
    await writeFile(values.out, await client.content(code.id));
    process.stderr.write(`wrote ${values.out} (${code.result?.content_type}, ${code.result?.bytes} bytes)\n`);
  }
  process.stdout.write(`${JSON.stringify(code)}\n`);
  if (code.status !== 'succeeded') process.exitCode = 1;
}

async function events(id: string | undefined): Promise<void> {
  if (!id) throw new UsageError('events needs a code id');
  for await (const event of client.events(id, { lastEventId: values['last-event-id'] })) {
    process.stdout.write(`${JSON.stringify({ id: event.id, status: event.status })}\n`);
  }
}

class UsageError extends Error {}

async function main(): Promise<void> {
  const [command, sub, arg] = positionals;
  if (values.help || !command) return void process.stdout.write(`${USAGE}\n`);
  if (command === 'submit') return submit();
  if (command === 'events') return events(sub);
  if (command === 'batch' && sub === 'upload' && arg) return batchUpload(arg);
  if (command === 'batch' && sub === 'status' && arg)
    return void process.stdout.write(`${JSON.stringify(await client.getBatch(arg))}\n`);
  throw new UsageError(`unknown command: ${positionals.join(' ')}`);
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) process.stderr.write(`${error.message}\n${USAGE}\n`);
  else if (error instanceof ApiError)
    process.stderr.write(
      `error: ${error.message}\n${error.problem?.errors?.map((e) => `  ${e.path}: ${e.message}\n`).join('') ?? ''}`,
    );
  else process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
});
