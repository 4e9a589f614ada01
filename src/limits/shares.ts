/** Slots of one process-wide capacity, of which each account may hold only its share. */
export type Shares = {
  /** Takes a slot for `account`: the function that gives it back, or undefined when the total or the account's share is full. */
  take(account: string): (() => void) | undefined;
  /** Slots held now, in all and by `account`. */
  held(account?: string): number;
};

/**
 * Per-account shares of a capacity that every account draws on (event streams, `Prefer: wait`
 * holders): `max` slots in all, at most `perAccount` to one account, so one account that takes all
 * it may still leaves the rest to the others.
 */
export function createShares(options: { max: number; perAccount: number }): Shares {
  const byAccount = new Map<string, number>();
  let total = 0;
  return {
    take(account) {
      const mine = byAccount.get(account) ?? 0;
      if (total >= options.max || mine >= options.perAccount) return undefined;
      byAccount.set(account, mine + 1);
      total++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        total--;
        const left = (byAccount.get(account) ?? 1) - 1;
        if (left === 0) byAccount.delete(account);
        else byAccount.set(account, left);
      };
    },
    held: (account) => (account === undefined ? total : (byAccount.get(account) ?? 0)),
  };
}
