import type { Session } from './session.ts';

/** Answers a request the way the API does (createApp's fetch). */
export type ApiFetch = (request: Request, env: unknown) => Response | Promise<Response>;

/** What the console's middleware put on `c.var`. */
export type ConsoleEnv = {
  Variables: {
    /** The API's own fetch: every console action is a request to the public API. */
    apiFetch: ApiFetch;
    /** The signed-in browser's session (set by requireSession). */
    session: Session;
  };
};
