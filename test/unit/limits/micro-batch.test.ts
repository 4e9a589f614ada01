// The micro-batcher (src/limits/micro-batch.ts) that coalesces the intake inserts, the worker claims and
// completions and the token-bucket takes: who shares a flush, who gets which result, and what a failure reaches.
import { describe, expect, it } from 'vitest';
import { createLookupBatcher, createMicroBatcher } from '../../../src/limits/micro-batch.ts';

/** A flush that records each batch it is given and answers with the items doubled, when `gate` opens. */
function recordingFlush() {
  const batches: number[][] = [];
  const gates: (() => void)[] = [];
  const flush = async (items: number[]) => {
    batches.push(items);
    await new Promise<void>((open) => gates.push(open));
    return items.map((n) => n * 2);
  };
  /** Opens the gate of the flush in progress once one is waiting. */
  const openNext = async () => {
    while (gates.length === 0) await new Promise((r) => setImmediate(r));
    gates.shift()!();
  };
  return { batches, flush, openNext };
}

describe('createMicroBatcher', () => {
  it('calls of one tick share one flush, and each caller gets the result at its own index', async () => {
    const { batches, flush, openNext } = recordingFlush();
    const call = createMicroBatcher(flush, { maxBatch: 100 });
    const results = Promise.all([1, 2, 3, 4].map(call));
    await openNext();
    expect(await results).toEqual([2, 4, 6, 8]);
    expect(batches).toEqual([[1, 2, 3, 4]]);
  });

  it('calls made while a flush is in flight wait and join the next flush together', async () => {
    const { batches, flush, openNext } = recordingFlush();
    const call = createMicroBatcher(flush, { maxBatch: 100 });
    const first = call(1);
    while (batches.length === 0) await new Promise((r) => setImmediate(r));
    const later = Promise.all([call(2), call(3), call(4)]);
    // The second flush has not started: one at a time.
    await new Promise((r) => setImmediate(r));
    expect(batches).toEqual([[1]]);
    await openNext();
    expect(await first).toBe(2);
    await openNext();
    expect(await later).toEqual([4, 6, 8]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('never flushes more than maxBatch items at once; the rest follow in order', async () => {
    const { batches, flush, openNext } = recordingFlush();
    const call = createMicroBatcher(flush, { maxBatch: 3 });
    const results = Promise.all([1, 2, 3, 4, 5, 6, 7].map(call));
    for (let i = 0; i < 3; i++) await openNext();
    expect(await results).toEqual([2, 4, 6, 8, 10, 12, 14]);
    expect(batches).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });

  it("a failed flush rejects its own callers only; the next batch's callers still get their results", async () => {
    let flushes = 0;
    const call = createMicroBatcher(
      async (items: string[]) => {
        if (flushes++ === 0) throw new Error('database went away');
        return items.map((s) => s.toUpperCase());
      },
      { maxBatch: 2 },
    );
    const outcomes = await Promise.allSettled(['a', 'b', 'c'].map(call));
    expect(outcomes).toEqual([
      { status: 'rejected', reason: new Error('database went away') },
      { status: 'rejected', reason: new Error('database went away') },
      { status: 'fulfilled', value: 'C' },
    ]);
    expect(await call('d')).toBe('D');
  });

  it('a lone call at low load is flushed by itself without waiting for company', async () => {
    const seen: number[][] = [];
    const call = createMicroBatcher(async (items: number[]) => (seen.push(items), items), { maxBatch: 10 });
    expect(await call(1)).toBe(1);
    expect(await call(2)).toBe(2);
    expect(seen).toEqual([[1], [2]]);
  });
});

describe('createLookupBatcher', () => {
  it('loads many ids in one call and gives each caller its row, or undefined for an unknown id', async () => {
    const loads: string[][] = [];
    const rows = new Map([
      ['code_1', { id: 'code_1', n: 1 }],
      ['code_3', { id: 'code_3', n: 3 }],
    ]);
    const lookup = createLookupBatcher(
      async (ids: string[]) => {
        loads.push(ids);
        // Rows come back in any order, as from SQL.
        return ids.flatMap((id) => rows.get(id) ?? []).reverse();
      },
      (row) => row.id,
      { maxBatch: 10 },
    );
    expect(await Promise.all(['code_1', 'code_2', 'code_3'].map(lookup))).toEqual([
      { id: 'code_1', n: 1 },
      undefined,
      { id: 'code_3', n: 3 },
    ]);
    expect(loads).toEqual([['code_1', 'code_2', 'code_3']]);
  });
});

describe('createMicroBatcher with isolate', () => {
  it("a flush one item makes fail is tried again item by item: only that item's caller fails", async () => {
    const flushes: string[][] = [];
    const call = createMicroBatcher(
      async (items: string[]) => {
        flushes.push(items);
        // As PostgreSQL does: one unstorable value fails the whole statement.
        if (items.some((s) => s.includes('\u0000'))) throw new Error('invalid byte sequence for encoding "UTF8": 0x00');
        return items.map((s) => s.toUpperCase());
      },
      { maxBatch: 10, isolate: () => true },
    );
    const outcomes = await Promise.allSettled(['a', 'b\u0000', 'c'].map(call));
    expect(outcomes).toEqual([
      { status: 'fulfilled', value: 'A' },
      { status: 'rejected', reason: new Error('invalid byte sequence for encoding "UTF8": 0x00') },
      { status: 'fulfilled', value: 'C' },
    ]);
    expect(flushes).toEqual([['a', 'b\u0000', 'c'], ['a'], ['b\u0000'], ['c']]);
  });

  it('an error isolate declines (an outage) rejects the whole batch without retries', async () => {
    let flushes = 0;
    const call = createMicroBatcher(
      async (_items: string[]): Promise<string[]> => {
        flushes++;
        throw new Error('ECONNREFUSED');
      },
      { maxBatch: 10, isolate: (e) => !(e as Error).message.includes('ECONNREFUSED') },
    );
    const outcomes = await Promise.allSettled(['a', 'b'].map(call));
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(flushes).toBe(1);
  });
});

describe('createMicroBatcher with linger', () => {
  /** Waits until the flush in progress is the `n`th. */
  const flushStarted = async (batches: unknown[], n: number) => {
    while (batches.length < n) await new Promise((r) => setImmediate(r));
  };
  const tick = () => new Promise((r) => setImmediate(r));

  it('a lone caller, one at a time, never waits for company', async () => {
    const seen: number[][] = [];
    // A linger this long would time the test out if a lone call waited for it.
    const call = createMicroBatcher(async (items: number[]) => (seen.push(items), items), {
      maxBatch: 10,
      linger: { ms: 600_000, full: 10 },
    });
    for (let n = 1; n <= 5; n++) expect(await call(n)).toBe(n);
    expect(seen).toEqual([[1], [2], [3], [4], [5]]);
  });

  it('under steady traffic a flush waits for later calls and starts once it is full', async () => {
    const { batches, flush, openNext } = recordingFlush();
    const call = createMicroBatcher(flush, { maxBatch: 100, linger: { ms: 600_000, full: 3 } });
    const first = Promise.all([call(1), call(2)]);
    await flushStarted(batches, 1);
    const second = call(3); // arrives during the first flush
    await openNext();
    expect(await first).toEqual([2, 4]);
    // Without the linger, 3 would go alone now; it waits, and 4 and 5, a tick apart, join it.
    await tick();
    const third = call(4);
    await tick();
    const fourth = call(5);
    await flushStarted(batches, 2);
    await openNext();
    expect(await Promise.all([second, third, fourth])).toEqual([6, 8, 10]);
    expect(batches).toEqual([
      [1, 2],
      [3, 4, 5],
    ]);
  });

  it('a waiting flush starts once its time is up, with the calls it has', async () => {
    const { batches, flush, openNext } = recordingFlush();
    const call = createMicroBatcher(flush, { maxBatch: 100, linger: { ms: 20, full: 100 } });
    const first = Promise.all([call(1), call(2)]);
    await flushStarted(batches, 1);
    const second = call(3);
    await openNext();
    await first;
    await flushStarted(batches, 2);
    await openNext();
    expect(await second).toBe(6);
    expect(batches).toEqual([[1, 2], [3]]);
  });

  it('after a pause longer than the linger, the first call does not wait', async () => {
    const { batches, flush, openNext } = recordingFlush();
    const call = createMicroBatcher(flush, { maxBatch: 100, linger: { ms: 30, full: 100 } });
    const first = Promise.all([call(1), call(2)]);
    await openNext();
    await first;
    await new Promise((r) => setTimeout(r, 60));
    const second = call(3);
    await tick();
    await tick();
    // 3's flush is under way by now; had it lingered, 4 would have joined it.
    const third = call(4);
    await openNext();
    await openNext();
    expect(await Promise.all([second, third])).toEqual([6, 8]);
    expect(batches).toEqual([[1, 2], [3], [4]]);
  });
});

describe('createMicroBatcher with linger, at its bounds', () => {
  const tick = () => new Promise((r) => setImmediate(r));
  const flushStarted = async (batches: unknown[], n: number) => {
    while (batches.length < n) await tick();
  };

  it('a batch already full when the flush before ends starts at once; full never exceeds maxBatch', async () => {
    const { batches, flush, openNext } = recordingFlush();
    // full 64 is more than a flush can take (maxBatch 2): waiting for 64 would stall a backlog.
    const call = createMicroBatcher(flush, { maxBatch: 2, linger: { ms: 600_000, full: 64 } });
    const first = Promise.all([call(1), call(2)]);
    await flushStarted(batches, 1);
    const queued = Promise.all([call(3), call(4), call(5)]);
    await openNext();
    await first;
    await flushStarted(batches, 2);
    await openNext();
    // 5 alone is below full (2): it waits for company, which 6 brings.
    await tick();
    const sixth = call(6);
    await flushStarted(batches, 3);
    await openNext();
    expect(await queued).toEqual([6, 8, 10]);
    expect(await sixth).toBe(12);
    expect(batches).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
  });

  it('a linger of 0 ms never waits', async () => {
    const { batches, flush, openNext } = recordingFlush();
    const call = createMicroBatcher(flush, { maxBatch: 100, linger: { ms: 0, full: 100 } });
    const first = Promise.all([call(1), call(2)]);
    await flushStarted(batches, 1);
    const second = call(3);
    await openNext();
    await first;
    await tick();
    await tick();
    const third = call(4);
    await openNext();
    await openNext();
    expect(await Promise.all([second, third])).toEqual([6, 8]);
    expect(batches).toEqual([[1, 2], [3], [4]]);
  });

  it('no call waits longer than the linger after the flush before it ended', async () => {
    const { batches, flush, openNext } = recordingFlush();
    const call = createMicroBatcher(flush, { maxBatch: 100, linger: { ms: 1000, full: 100 } });
    const first = Promise.all([call(1), call(2)]);
    await openNext();
    await first;
    const ended = performance.now();
    // Arrives 800 ms after a busy flush: it may wait out the 200 ms left of the linger, not 1000 ms more
    // (that would start it 1800 ms after; the margins either side are wide for a loaded machine).
    await new Promise((r) => setTimeout(r, 800));
    const second = call(3);
    await flushStarted(batches, 2);
    const started = performance.now();
    await openNext();
    expect(await second).toBe(6);
    expect(started - ended).toBeLessThan(1500);
  });
});

describe('createMicroBatcher when isolate itself throws', () => {
  it("the batch's callers get the flush's error, and later calls still flush", async () => {
    let flushes = 0;
    const call = createMicroBatcher(
      async (items: string[]) => {
        if (flushes++ === 0) throw new Error('statement refused');
        return items.map((s) => s.toUpperCase());
      },
      {
        maxBatch: 10,
        isolate: () => {
          throw new Error('classifier broke');
        },
      },
    );
    const outcomes = await Promise.allSettled(['a', 'b'].map(call));
    expect(outcomes).toEqual([
      { status: 'rejected', reason: new Error('statement refused') },
      { status: 'rejected', reason: new Error('statement refused') },
    ]);
    expect(await call('c')).toBe('C');
  });
});
