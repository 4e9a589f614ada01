// The preflight pool's task (a piscina worker thread): the engine checks of one normalized spec.
import type { MessagePort } from 'node:worker_threads';
import type { Issue, RenderSpec } from '../domain/render-spec.ts';
import { preflight } from './index.ts';

/** Says on `started` that this thread has begun (the budget counts from here), then runs preflight(spec). */
export default function preflightTask({ spec, started }: { spec: RenderSpec; started: MessagePort }): Issue[] {
  started.postMessage(0);
  started.close();
  return preflight(spec);
}
