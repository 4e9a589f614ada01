import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { QUEUES, type QueueName } from '../../src/queue/catalog.ts';
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
