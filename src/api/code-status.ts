import { isTerminal } from '../domain/code.ts';
import { createCodeStatusHub, waitForStatus, type CodeStatusHub } from '../queue/code-status.ts';
import { createShares, type Shares } from '../limits/shares.ts';
import { findCodeById, type CodeWithResult } from '../store/codes.ts';
import type { ApiDeps } from './deps.ts';

/** The hub passed in, or one opened lazily on a duplicate of the API's Redis connection. */
export function codeStatusHubOf(deps: ApiDeps): () => CodeStatusHub {
  let hub = deps.codeStatus;
  return () =>
    (hub ??= createCodeStatusHub(deps.redis.duplicate({ maxRetriesPerRequest: null }), deps.config.queuePrefix));
}

/**
 * Waits up to `ms` for one of the account's codes to finish, woken by its status channel (no
 * polling), and returns the row as it is then (Prefer: wait, GET /v1/render).
 */
export async function awaitFinished(
  deps: ApiDeps,
  hub: CodeStatusHub,
  accountId: string,
  id: string,
  ms: number,
): Promise<CodeWithResult> {
  let checked: CodeWithResult | undefined;
  await waitForStatus(
    hub,
    id,
    isTerminal,
    ms,
    async () => (checked = await findCodeById(deps.db, accountId, id))?.status,
  );
  // A finished row no longer changes: when the check after subscribing found it finished, it is the answer.
  return checked && isTerminal(checked.status) ? checked : (await findCodeById(deps.db, accountId, id))!;
}

/** `Prefer: wait=N` (RFC 7240): the seconds asked for, capped at `max`; undefined when absent or malformed (ignored, as the RFC says). */
export function preferredWait(header: string | undefined, max: number): number | undefined {
  const match = header && /(?:^|[,;\s])wait\s*=\s*"?(\d{1,6})"?/i.exec(header);
  return match ? Math.min(Number(match[1]), max) : undefined;
}

const waitShares = new WeakMap<ApiDeps, Shares>();

/**
 * A slot for one request to wait on a render (Prefer: wait, GET /v1/render): WAIT_MAX_HOLDERS per
 * process, WAIT_MAX_PER_ACCOUNT of them to one account. The function gives it back; undefined when
 * the account's share (or the total) is taken: the request then does not wait.
 */
export function holdWait(deps: ApiDeps, accountId: string): (() => void) | undefined {
  let shares = waitShares.get(deps);
  if (!shares)
    waitShares.set(
      deps,
      (shares = createShares({ max: deps.config.waitMaxHolders, perAccount: deps.config.waitMaxPerAccount })),
    );
  return shares.take(accountId);
}
