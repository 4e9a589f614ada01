import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export type Received = { headers: IncomingHttpHeaders; body: string; at: number };
/** What the receiver answers request n (0-based): a status and headers, or 'hang' to never answer. */
export type Answer = (n: number, received: Received) => { status: number; headers?: Record<string, string> } | 'hang';

/** A real HTTP receiver on 127.0.0.1 that records every request. */
export async function startReceiver(answer: Answer = () => ({ status: 200 }), port = 0) {
  const received: Received[] = [];
  const waiters = new Set<() => void>();
  const hanging = new Set<import('node:http').ServerResponse>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      const reply = answer(received.length, entry);
      received.push(entry);
      for (const wake of waiters) wake();
      if (reply === 'hang') {
        hanging.add(res);
        return;
      }
      res.writeHead(reply.status, reply.headers).end('ok');
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actualPort = (server.address() as { port: number }).port;
  return {
    port: actualPort,
    url: `http://127.0.0.1:${actualPort}/hook`,
    received,
    /** Resolves once `n` requests have arrived (woken by each arrival, no polling); rejects after `timeoutMs`. */
    arrived: (n: number, timeoutMs = 20_000) =>
      new Promise<Received[]>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${received.length} of ${n} requests arrived within ${timeoutMs} ms`));
        }, timeoutMs);
        const check = () => {
          if (received.length < n) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(received);
        };
        waiters.add(check);
        check();
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
