// The baseline of the intake benchmark: a bare Hono route that only parses the body and calls
// queue.add — what the issue calls "a bare Hono route that only calls queue.add".
import { serve } from '@hono/node-server';
import { Queue } from 'bullmq';
import { Hono } from 'hono';
import { Redis } from 'ioredis';

const port = Number(process.env.PORT);
const queue = new Queue('bare', {
  connection: new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: null }),
  prefix: process.env.QUEUE_PREFIX!,
});
const app = new Hono().post('/v1/codes', async (c) => {
  const body = await c.req.json();
  const job = await queue.add('render', body, { removeOnComplete: true });
  return c.json({ id: job.id, status: 'queued' }, 202);
});
serve({ fetch: app.fetch, port }, () => console.log('bare ready'));
process.on('SIGTERM', async () => {
  await queue.obliterate({ force: true }).catch(() => {});
  process.exit(0);
});
