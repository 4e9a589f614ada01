/**
 * The delay before attempt `attempt + 1` (attempt = attempts made so far, from 1), or undefined when the
 * schedule is exhausted. ±20 % jitter spreads retries of many deliveries that failed together.
 */
export function nextDelayMs(schedule: readonly number[], attempt: number, random = Math.random): number | undefined {
  const base = schedule[attempt - 1];
  if (base === undefined) return undefined;
  return Math.round(base * (0.8 + 0.4 * random()));
}
