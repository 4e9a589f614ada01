#!/usr/bin/env node
// The user CLI (`npx codes …`): a thin shell over the typed client. Reads CODES_URL and CODES_API_KEY
// (a user tool, not the service: the service's config is src/config.ts).
import { createReadStream, createWriteStream } from 'node:fs';
import { constants } from 'node:fs';
import { access, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { RENDER_FIELDS } from '../domain/requests.ts';
import { ApiError, createClient, type Batch, type CodeRequest } from './index.ts';

// Every render field of the request schema is a flag (--bar-height for bar_height); --payload takes JSON.
const FIELD_FLAGS = Object.fromEntries(RENDER_FIELDS.map((field) => [field.replace(/_/g, '-'), field]));

const USAGE = `usage: codes <command> [options]     (CODES_URL, CODES_API_KEY or --url, --key)
  submit (--data TEXT | --payload JSON) [--<render option> VALUE …] [--metadata k=v …] [--out FILE] [--wait-seconds N]
         render options: ${Object.keys(FIELD_FLAGS)
           .filter((flag) => flag !== 'data' && flag !== 'payload')
           .map((flag) => `--${flag}`)
           .join(' ')}
  events CODE_ID [--last-event-id N]
  batch upload FILE.csv|FILE.jsonl [--wait] [--out results.zip]
  batch status BATCH_ID`;

class UsageError extends Error {}

function parseCommandLine() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        key: { type: 'string' },
        out: { type: 'string' },
        wait: { type: 'boolean' },
        'wait-seconds': { type: 'string' },
        'last-event-id': { type: 'string' },
        metadata: { type: 'string', multiple: true },
        help: { type: 'boolean' },
        ...Object.fromEntries(Object.keys(FIELD_FLAGS).map((flag) => [flag, { type: 'string' as const }])),
      },
    });
  } catch (error) {
    // node:util's messages are one line already; without the ERR_PARSE_ARGS_… code and stack.
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
}

const { values, positionals } = parseCommandLine();
const client = createClient({
  baseUrl: values.url ?? process.env.CODES_URL,
  apiKey: values.key ?? process.env.CODES_API_KEY,
});

/** `[#####-----] 512/1000  succeeded 500  failed 12` on stderr, redrawn in place. */
function drawProgress(batch: Batch): void {
  const { total = 0, succeeded = 0, failed = 0, canceled = 0 } = batch.counts;
  const done = succeeded + failed + canceled;
  const width = 30;
  const filled = total > 0 ? Math.round((done / total) * width) : 0;
  process.stderr.write(
    `\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}  succeeded ${succeeded}  failed ${failed}  ${batch.status}   `,
  );
}

const isFinished = (batch: Batch) => ['completed', 'failed', 'canceled'].includes(batch.status);

async function batchUpload(file: string): Promise<void> {
  await access(file, constants.R_OK); // a missing file is its own one-line error, not a failed fetch
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
  const flags = values as Record<string, string | string[] | boolean | undefined>;
  if (flags.data === undefined && flags.payload === undefined) throw new UsageError('submit needs --data or --payload');
  const fields: Record<string, unknown> = {};
  for (const [flag, field] of Object.entries(FIELD_FLAGS)) {
    const value = flags[flag];
    if (typeof value === 'string') fields[field] = fieldValue(field, value);
  }
  if (flags.metadata)
    fields.metadata = Object.fromEntries(
      (flags.metadata as string[]).map((pair) => {
        const at = pair.indexOf('=');
        if (at < 1) throw new UsageError(`--metadata takes key=value, not ${pair}`);
        return [pair.slice(0, at), pair.slice(at + 1)];
      }),
    );
  // The server validates the body against the same schema and names any bad field.
  const body = fields as CodeRequest;
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

/** A flag's text as the JSON value its field takes: numbers and booleans typed, --payload parsed. */
function fieldValue(field: string, text: string): unknown {
  if (field === 'payload') {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new UsageError(`--payload takes a JSON object, e.g. '{"type":"url","url":"https://example.com"}'`);
    }
  }
  // Text fields stay text even when they look like numbers: an add-on's leading zero counts ("05").
  if (field === 'data' || field.endsWith('ground') || field === 'logo' || field === 'addon') return text;
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  return text === 'true' ? true : text === 'false' ? false : text;
}

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

/** One line: the error and its cause (`fetch failed: connect ECONNREFUSED 127.0.0.1:3000`). */
function oneLine(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e !== undefined && parts.length < 4; e = (e as { cause?: unknown }).cause)
    parts.push(e instanceof Error ? e.message : String(e));
  return parts.join(': ');
}

// Exit 2: the command line is wrong; exit 1: the request failed (the server's answer, the network, a file).
main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  if (error instanceof ApiError)
    process.stderr.write(
      `error: ${error.message}\n${error.problem?.errors?.map((e) => `  ${e.path}: ${e.message}\n`).join('') ?? ''}`,
    );
  else process.stderr.write(`error: ${oneLine(error)}\n`);
  process.exitCode = 1;
});
