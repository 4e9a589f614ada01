/** Lifecycle of a code: queued → processing → succeeded | failed | canceled. */
export const CODE_STATUSES = ['queued', 'processing', 'succeeded', 'failed', 'canceled'] as const;
export type CodeStatus = (typeof CODE_STATUSES)[number];

export const TERMINAL_STATUSES: ReadonlySet<CodeStatus> = new Set(['succeeded', 'failed', 'canceled']);
export const UNFINISHED_STATUSES = ['queued', 'processing'] as const satisfies readonly CodeStatus[];

const TRANSITIONS: Record<CodeStatus, readonly CodeStatus[]> = {
  queued: ['processing', 'succeeded', 'failed', 'canceled'],
  processing: ['processing', 'succeeded', 'failed', 'canceled'],
  succeeded: [],
  failed: [],
  canceled: [],
};

export function isTerminal(status: CodeStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

/** Whether a code may move from `from` to `to` (processing → processing is a redelivery). */
export function canTransition(from: CodeStatus, to: CodeStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The error a failed code carries in its API object. */
export type CodeError = { code: string; message: string; retryable: boolean };
