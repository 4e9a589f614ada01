/** Lifecycle of a code: queued → processing → succeeded | failed | canceled. */
export const CODE_STATUSES = ['queued', 'processing', 'succeeded', 'failed', 'canceled'] as const;
export type CodeStatus = (typeof CODE_STATUSES)[number];

export const TERMINAL_STATUSES: ReadonlySet<CodeStatus> = new Set(['succeeded', 'failed', 'canceled']);

export function isTerminal(status: CodeStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

/** The error a failed code carries in its API object. */
export type CodeError = { code: string; message: string; retryable: boolean };
