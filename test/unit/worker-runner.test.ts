import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { QUEUES, type QueueName } from '../../src/queue/catalog.ts';
import { workerHeapGrowthFlag } from '../../src/supervisor.ts';
import { WORKER_SETTINGS } from '../../src/worker-runner.ts';

const ROOT = path.join(import.meta.dirname, '..', '..');

describe('worker settings', () => {
  it('cover every queue of the catalog', () => {
    expect(Object.keys(WORKER_SETTINGS).sort()).toEqual(Object.keys(QUEUES).sort());
  });

  it("take each queue's lock and stall settings from its own variables", () => {
    const base = loadConfig({}, ROOT);
    const tuned = loadConfig(
      { BATCH_LOCK_MS: '4321', BATCH_MAX_STALLED_COUNT: '7', MAINTENANCE_LOCK_MS: '6543', RENDER_LOCK_MS: '1234' },
      ROOT,
    );
    const of = (config: typeof base, queue: QueueName) => WORKER_SETTINGS[queue](config);
    expect(of(tuned, 'batches')).toMatchObject({ lockDuration: 4321, stalledInterval: 4321, maxStalledCount: 7 });
    expect(of(tuned, 'maintenance')).toMatchObject({ lockDuration: 6543 });
    expect(of(tuned, 'render')).toMatchObject({ lockDuration: 1234 });
    // A queue's variables move only that queue.
    expect(of(tuned, 'webhooks')).toEqual(of(base, 'webhooks'));
    expect(of(tuned, 'render').stalledInterval).toBe(of(base, 'render').stalledInterval);
  });
});

describe('worker heap growth', () => {
  it('is the V8 flag WORKER_HEAP_GROWTH_PERCENT names, 50 by default, and none at 0', () => {
    expect(workerHeapGrowthFlag(loadConfig({}, ROOT))).toBe('--heap-growing-percent=50');
    expect(workerHeapGrowthFlag(loadConfig({ WORKER_HEAP_GROWTH_PERCENT: '250' }, ROOT))).toBe(
      '--heap-growing-percent=250',
    );
    expect(workerHeapGrowthFlag(loadConfig({ WORKER_HEAP_GROWTH_PERCENT: '0' }, ROOT))).toBeUndefined();
  });

  it('refuses what is not a whole percentage in range', () => {
    for (const bad of ['-1', '1001', '12.5', 'lots']) {
      expect(() => loadConfig({ WORKER_HEAP_GROWTH_PERCENT: bad }, ROOT), bad).toThrow(/WORKER_HEAP_GROWTH_PERCENT/);
    }
  });

  it('is a flag this Node accepts at run time', () => {
    // setFlagsFromString ignores a flag it does not know without a word; --v8-options lists the ones it knows.
    const options = execFileSync(process.execPath, ['--v8-options']).toString();
    expect(options).toContain('--heap-growing-percent');
  });
});
