import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode } from '../support/decode.ts';
import { eventually, startStack, type TestStack } from '../support/harness.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({ workers: 2 });
});
afterAll(() => stack.close());

async function upload(body: string | Buffer, type: string, query = ''): Promise<Response> {
  return stack.app.request(
    `/v1/batches${query}`,
    {
      method: 'POST',
      body,
      headers: { 'content-type': type, authorization: `Bearer ${stack.key.key}` },
    },
    { incoming: { socket: { remoteAddress: '127.0.0.1' } } },
  );
}
async function waitForBatch(id: string, timeoutMs = 60_000): Promise<any> {
  return eventually(
    async () => {
      const batch = (await (await stack.request('GET', `/v1/batches/${id}`)).json()) as any;
      expect(['completed', 'failed', 'canceled'], JSON.stringify(batch.counts)).toContain(batch.status);
      return batch;
    },
    timeoutMs,
    100,
  );
}
async function downloadZip(id: string): Promise<Record<string, Uint8Array>> {
  const res = await stack.request('GET', `/v1/batches/${id}/results.zip`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/zip');
  return unzipSync(new Uint8Array(await res.arrayBuffer()));
}
function parseManifest(text: string): string[][] {
  return text
    .trim()
    .split('\r\n')
    .map((line) => line.split(','));
}

const SYMBOLOGIES = [
  ['qrcode', (i: number) => `https://example.com/item/${i}`],
  ['code128', (i: number) => `ITEM-${i}`],
  ['datamatrix', (i: number) => `DM ${i}`],
  ['ean13', (i: number) => `400638${String(100000 + i).slice(-6)}`],
] as const;

describe('a 1,000-row CSV with mixed symbologies and 3 invalid rows', () => {
  it('completes with 997 succeeded and 3 failed; the ZIP holds 997 images and a 1,000-row manifest', async () => {
    const lines = ['data,symbology,custom_id'];
    for (let i = 0; i < 1000; i++) {
      const [symbology, data] = SYMBOLOGIES[i % SYMBOLOGIES.length]!;
      lines.push(`${data(i)},${symbology},item-${i}`);
    }
    lines[101] = 'ABCDEFGHIJKLM,ean13,bad-1'; // letters in an EAN-13
    lines[502] = '4006381333932,ean13,bad-2'; // wrong check digit
    lines[903] = 'x,nosuchcode,bad-3'; // unknown symbology
    const res = await upload(lines.join('\n') + '\n', 'text/csv');
    expect(res.status, await res.clone().text()).toBe(202);
    const created = (await res.json()) as any;
    expect(res.headers.get('location')).toBe(`/v1/batches/${created.id}`);
    expect(created).toMatchObject({ object: 'batch', counts: { total: 1000 } });
    expect(['validating', 'queued', 'processing']).toContain(created.status);

    // A bound for a failure, not a speed check: a busy shared machine renders 1,000 codes slowly.
    const batch = await waitForBatch(created.id, 240_000);
    expect(batch.status).toBe('completed');
    expect(batch.counts).toEqual({ total: 1000, queued: 0, processing: 0, succeeded: 997, failed: 3, canceled: 0 });

    const zip = await downloadZip(created.id);
    const images = Object.keys(zip).filter((name) => name !== 'manifest.csv');
    expect(images).toHaveLength(997);
    const manifest = parseManifest(strFromU8(zip['manifest.csv']!));
    expect(manifest[0]).toEqual(['row', 'custom_id', 'status', 'file', 'sha256', 'error']);
    expect(manifest).toHaveLength(1001);
    const failed = manifest.filter((r) => r[2] === 'failed');
    expect(failed.map((r) => r[1])).toEqual(['bad-1', 'bad-2', 'bad-3']);
    expect(failed.map((r) => Number(r[0]))).toEqual([102, 503, 904]);

    for (const i of [0, 1, 2, 3, 500, 998]) {
      const row = manifest.find((r) => r[1] === `item-${i}`)!;
      expect(row[2]).toBe('succeeded');
      const decoded = await decode(Buffer.from(zip[row[3]!]!), 'image/png');
      const sent = lines[i + 1]!.split(',')[0]!;
      expect(
        decoded.some((d) => d.text === sent || d.text.startsWith(sent)),
        `${row[3]}: ${decoded.map((d) => d.text)}`,
      ).toBe(true);
    }
  }, 300_000);
});

describe('parsing', () => {
  it('gives the same result for JSONL and CSV, with BOM, CRLF, quoted commas and newlines and a trailing empty line', async () => {
    const csvText =
      '\uFEFFdata,symbology,custom_id,metadata.note\r\n"a,b",qrcode,1,"x, y"\r\n"line1\nline2",qrcode,2,\r\n\r\n';
    const jsonl =
      '{"data":"a,b","symbology":"qrcode","custom_id":"1","metadata":{"note":"x, y"}}\r\n{"data":"line1\\nline2","symbology":"qrcode","custom_id":"2"}\n\n';
    const results = [];
    for (const [body, type] of [
      [csvText, 'text/csv'],
      [jsonl, 'application/x-ndjson'],
    ] as const) {
      const res = await upload(body, type);
      expect(res.status, await res.clone().text()).toBe(202);
      const batch = await waitForBatch(((await res.json()) as any).id);
      expect(batch.counts).toMatchObject({ total: 2, succeeded: 2 });
      const codes = (await (await stack.request('GET', `/v1/codes?batch_id=${batch.id}`)).json()) as any;
      results.push(codes.data.map((c: any) => [c.data, c.metadata, c.result.sha256]).sort());
    }
    expect(results[0]).toEqual(results[1]);
    expect(results[0]!.map((r: any) => r[0]).sort()).toEqual(['a,b', 'line1\nline2']);
  });

  it.each([
    ['a bad header', 'colour,size\nred,3\n', 'text/csv', 422, 'header.colour'],
    ['a header without data', 'symbology\nqrcode\n', 'text/csv', 422, 'header.data'],
    ['a row with too many columns', 'data,symbology\nx,qrcode\ny,qrcode,extra\n', 'text/csv', 422, 'rows.3'],
    ['a row over the size limit', `data\n${'x'.repeat(9000)}\n`, 'text/csv', 422, 'rows.2'],
    ['invalid JSON in a line', '{"data":"x"}\n{"data":\n', 'application/x-ndjson', 422, 'rows.2'],
    ['an unknown JSONL field', '{"data":"x","colour":"red"}\n', 'application/x-ndjson', 422, 'rows.1.colour'],
    ['an empty file', 'data\n', 'text/csv', 422, 'rows.2'],
  ])('refuses %s with a clear problem', async (_name, body, type, status, path) => {
    const res = await upload(body, type);
    expect(res.status).toBe(status);
    const problem = (await res.json()) as any;
    expect(problem.errors[0].path).toBe(path);
    expect(problem.detail).toBeTypeOf('string');
  });

  it('refuses invalid UTF-8, a non-CSV content type, and a file over the row limit', async () => {
    const invalid = await upload(
      Buffer.concat([Buffer.from('data\nok\n'), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]),
      'text/csv',
    );
    expect(invalid.status).toBe(422);
    expect(((await invalid.json()) as any).detail).toContain('UTF-8');
    expect((await upload('data\nx\n', 'text/plain')).status).toBe(415);

    const rows = ['data', ...Array.from({ length: 100_001 }, (_, i) => String(i))].join('\n');
    const tooMany = await upload(rows, 'text/csv');
    expect(tooMany.status).toBe(413);
    expect(((await tooMany.json()) as any).code).toBe('batch_too_large');
    const stored = await stack.db.selectFrom('batches').select('id').execute();
    const rowsStored = await stack.db
      .selectFrom('batch_rows')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('row_number', '>', 100_000)
      .executeTakeFirstOrThrow();
    expect(Number(rowsStored.n)).toBe(0);
    expect(stored.length).toBeGreaterThan(0);
  }, 60_000);

  it('validate_only answers counts and spreadsheet row numbers without creating anything', async () => {
    const before = await stack.db
      .selectFrom('batches')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    const res = await upload(
      'data,symbology\nhello,qrcode\nABC,ean13\n4006381333931,ean13\n',
      'text/csv',
      '?validate_only=true&scale=4',
    );
    expect(res.status).toBe(200);
    const report = (await res.json()) as any;
    expect(report).toMatchObject({ valid: false, counts: { total: 3, valid: 2, invalid: 1 } });
    expect(report.errors[0].path).toBe('rows.3.data');
    const after = await stack.db
      .selectFrom('batches')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
    const badDefault = await upload('data\nx\n', 'text/csv', '?scale=-4');
    expect(badDefault.status).toBe(422);
    expect(((await badDefault.json()) as any).errors[0].path).toBe('query.scale');
  });
});

describe('ZIP entries', () => {
  it('turns hostile and duplicate filenames into safe, unique entries', async () => {
    const names = [
      '../../etc/passwd',
      '/abs.png',
      'a/b.png',
      'CON',
      'same.png',
      'same.png',
      'C:\\windows\\evil.png',
      '..',
    ];
    const body = ['data,filename', ...names.map((n, i) => `data ${i},"${n}"`)].join('\n');
    const res = await upload(body, 'text/csv');
    const batch = await waitForBatch(((await res.json()) as any).id);
    expect(batch.counts.succeeded).toBe(names.length);
    const entries = Object.keys(await downloadZip(batch.id)).filter((n) => n !== 'manifest.csv');
    expect(entries).toHaveLength(names.length);
    expect(new Set(entries.map((e) => e.toLowerCase())).size).toBe(entries.length);
    for (const entry of entries) {
      expect(entry).not.toMatch(/[\\/]/);
      expect(entry).not.toMatch(/^\.|^con\./i);
      expect(entry.endsWith('.png')).toBe(true);
    }
    expect(entries).toEqual(
      expect.arrayContaining(['passwd.png', 'abs.png', 'b.png', '_CON.png', 'same.png', 'same (2).png', 'evil.png']),
    );
  });

  it('writes CSV-injection-safe manifest cells', async () => {
    const res = await upload('data,custom_id\nhello,"=HYPERLINK(""http://x"")"\n', 'text/csv');
    expect(res.status, await res.clone().text()).toBe(202);
    const batch = await waitForBatch(((await res.json()) as any).id);
    const manifest = strFromU8((await downloadZip(batch.id))['manifest.csv']!);
    expect(manifest).toContain(`"'=HYPERLINK(""http://x"")"`);
  });
});

describe('cancel and retry', () => {
  it('cancel keeps finished rows and cancels the rest; retry re-runs failed renders only', async () => {
    const idle = await startStack({ workers: 0 });
    try {
      const body = ['data', ...Array.from({ length: 50 }, (_, i) => `cancel ${i}`)].join('\n');
      const res = await idle.app.request(
        '/v1/batches',
        { method: 'POST', body, headers: { 'content-type': 'text/csv', authorization: `Bearer ${idle.key.key}` } },
        { incoming: { socket: { remoteAddress: '127.0.0.1' } } },
      );
      const id = ((await res.json()) as any).id;
      const canceled = (await (await idle.request('POST', `/v1/batches/${id}/cancel`)).json()) as any;
      expect(canceled.status).toBe('canceled');
      const again = await idle.request('POST', `/v1/batches/${id}/cancel`);
      expect(again.status).toBe(200);
    } finally {
      await idle.close();
    }

    const res = await upload(['data,symbology', 'ok 1,qrcode', 'ok 2,qrcode'].join('\n'), 'text/csv');
    const batch = await waitForBatch(((await res.json()) as any).id);
    expect(batch.counts.succeeded).toBe(2);
    expect((await stack.request('POST', `/v1/batches/${batch.id}/cancel`)).status).toBe(409);
    // A render that failed (not a validation error) is what retry re-runs.
    const [code] = await stack.db.selectFrom('codes').select('id').where('batch_id', '=', batch.id).limit(1).execute();
    await stack.db
      .updateTable('codes')
      .set({
        status: 'failed',
        error: JSON.stringify({ code: 'render_failed', message: 'simulated', retryable: true }),
      })
      .where('id', '=', code!.id)
      .execute();
    await stack.db
      .updateTable('batch_counts')
      .set((eb) => ({ succeeded: eb('succeeded', '-', 1), failed: eb('failed', '+', 1) }))
      .where('batch_id', '=', batch.id)
      .where(
        'shard',
        '=',
        (
          await stack.db
            .selectFrom('batch_counts')
            .select('shard')
            .where('batch_id', '=', batch.id)
            .where('succeeded', '>', 0)
            .limit(1)
            .executeTakeFirstOrThrow()
        ).shard,
      )
      .execute();
    const retried = (await (await stack.request('POST', `/v1/batches/${batch.id}/retry`)).json()) as any;
    expect(retried.retried).toBe(1);
    const done = await waitForBatch(batch.id);
    expect(done.counts).toMatchObject({ succeeded: 2, failed: 0 });
  });

  it('honours Idempotency-Key on uploads: a retry replays the first batch', async () => {
    const send = () =>
      stack.app.request(
        '/v1/batches',
        {
          method: 'POST',
          body: 'data\nonce\n',
          headers: {
            'content-type': 'text/csv',
            authorization: `Bearer ${stack.key.key}`,
            'idempotency-key': 'upload-1',
          },
        },
        { incoming: { socket: { remoteAddress: '127.0.0.1' } } },
      );
    const first = await send();
    expect(first.status).toBe(202);
    const again = await send();
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(((await again.json()) as any).id).toBe(((await first.json()) as any).id);
  });

  it("another account's batch is a 404", async () => {
    const res = await upload('data\nmine\n', 'text/csv');
    const id = ((await res.json()) as any).id;
    const other = await stack.seedKey();
    for (const [method, path] of [
      ['GET', `/v1/batches/${id}`],
      ['GET', `/v1/batches/${id}/results.zip`],
      ['POST', `/v1/batches/${id}/cancel`],
      ['POST', `/v1/batches/${id}/retry`],
    ] as const) {
      expect(
        (await stack.request(method, path, undefined, { authorization: `Bearer ${other.key}` })).status,
        path,
      ).toBe(404);
    }
  });
});
