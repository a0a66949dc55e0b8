/** @module The Hono environment of the app: what middleware leaves on the context for later handlers. */

export interface AppEnv {
  Variables: {
    /** From the request-id middleware: echoed as `X-Request-Id`, named in masked error messages and log lines. */
    requestId: string;
    /** Set by an SSE reply: settles with the number of events sent when the stream closes, for the request log. */
    streamDone?: Promise<number>;
  };
}
