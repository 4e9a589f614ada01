/**
 * Coalesces concurrent calls into one bulk operation: calls made while a flush is pending or running
 * join the next flush. At low load a call flushes alone on the next tick (no added latency); under
 * load, one database round trip and one Redis pipeline serve many requests.
 */
export function createMicroBatcher<T, R>(
  flush: (items: T[]) => Promise<R[]>,
  options: {
    maxBatch: number;
    /**
     * Whether a failed flush of several items is tried again one item at a time, so that only the item
     * at fault fails (one caller's bad row must not fail the callers it shared a statement with). Not
     * for errors every item would meet alike (a dependency down): those reject the whole batch at once.
     * @defaultValue never: the batch's callers share the error
     */
    isolate?: (error: unknown) => boolean;
    /**
     * Under steady concurrent traffic, how long after the flush before a flush may wait for more calls to
     * join it (`ms`), and how many make it full (`full`, capped at maxBatch; it then starts at once): fewer,
     * bigger flushes cost what stands behind each (a statement, a render job) less per item. It waits only
     * when the flush before carried more than one call, and never past `ms` after that flush ended, so a call
     * that finds no busy flush behind it does not wait, and none waits longer than `ms`.
     * @defaultValue none: a flush starts on the next tick
     */
    linger?: { ms: number; full: number };
  },
) {
  type Pending = { item: T; resolve: (r: R) => void; reject: (e: unknown) => void };
  let queue: Pending[] = [];
  let scheduled = false;
  // A batch can never hold more than maxBatch: waiting for more would only let a backlog grow.
  const linger = options.linger && {
    ms: options.linger.ms,
    full: Math.min(options.linger.full, options.maxBatch),
  };
  let last = { size: 0, endedAt: -Infinity };
  // Set while a flush lingers: starts it early once the batch is full.
  let wake: (() => void) | undefined;

  /** How long the next flush waits for company: until `ms` after a busy flush before it, unless it is full. */
  function lingerFor(): number {
    if (!linger || last.size < 2 || queue.length >= linger.full) return 0;
    return Math.max(0, last.endedAt + linger.ms - performance.now());
  }

  function gather(ms: number, full: number): Promise<void> {
    return new Promise((resolve) => {
      const start = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      };
      const timer = setTimeout(start, ms);
      wake = () => queue.length >= full && start();
    });
  }

  // An isolate that throws is treated as declining: the batch's callers get the flush's error, not a hang.
  function isolates(error: unknown): boolean {
    try {
      return options.isolate?.(error) ?? false;
    } catch {
      return false;
    }
  }

  async function flushAlone(batch: Pending[]): Promise<void> {
    for (const p of batch) {
      try {
        p.resolve((await flush([p.item]))[0]!);
      } catch (error) {
        p.reject(error);
      }
    }
  }

  async function run(): Promise<void> {
    scheduled = false;
    while (queue.length > 0) {
      const wait = lingerFor();
      if (wait > 0) await gather(wait, linger!.full);
      const batch = queue.slice(0, options.maxBatch);
      queue = queue.slice(batch.length);
      try {
        const results = await flush(batch.map((p) => p.item));
        batch.forEach((p, i) => p.resolve(results[i]!));
      } catch (error) {
        if (batch.length > 1 && isolates(error)) await flushAlone(batch);
        else for (const p of batch) p.reject(error);
      }
      last = { size: batch.length, endedAt: performance.now() };
    }
  }

  let running: Promise<void> = Promise.resolve();
  return (item: T): Promise<R> =>
    new Promise<R>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      wake?.();
      if (scheduled) return;
      scheduled = true;
      // One flush at a time: later calls gather while the current one is in flight.
      running = running.then(() => new Promise<void>((done) => setImmediate(() => run().then(done, done))));
    });
}

/** A micro-batcher of lookups by id: `load` answers many ids in one round trip; each caller gets its row, or undefined. */
export function createLookupBatcher<T>(
  load: (ids: string[]) => Promise<T[]>,
  idOf: (row: T) => string,
  options: { maxBatch: number },
) {
  return createMicroBatcher(async (ids: string[]) => {
    const byId = new Map((await load(ids)).map((row) => [idOf(row), row]));
    return ids.map((id) => byId.get(id));
  }, options);
}
