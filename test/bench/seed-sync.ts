// The peer of the end-to-end benchmark: the seed's synchronous design, a Hono route that renders on the
// request path with QRCode.toBuffer and answers the PNG, one process per core (node:cluster), as the
// issue describes it. No auth, no limits, no storage: the cheapest form of that design.
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import QRCode from 'qrcode';

const port = Number(process.env.PORT);

if (cluster.isPrimary) {
  const count = Number(process.env.SEED_PROCESSES ?? availableParallelism());
  let ready = 0;
  for (let i = 0; i < count; i++) {
    cluster.fork().on('message', (message) => {
      if (message === 'ready' && ++ready === count) console.log('seed ready');
    });
  }
  process.on('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
    process.exit(0);
  });
} else {
  const app = new Hono().post('/v1/codes', async (c) => {
    const body = (await c.req.json()) as { data: string; size?: number };
    const png = await QRCode.toBuffer(body.data, { width: body.size ?? 300 });
    return c.body(new Uint8Array(png), 200, { 'content-type': 'image/png' });
  });
  serve({ fetch: app.fetch, port }, () => process.send?.('ready'));
}
