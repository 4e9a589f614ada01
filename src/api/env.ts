import type { RequestIdVariables } from 'hono/request-id';

/** What middleware put on `c.var` for the handlers after them. */
export type AppEnv = {
  Variables: RequestIdVariables & {
    /** The account every resource of this request belongs to (set by auth). */
    accountId: string;
  };
};
