/**
 * @module The HTTP layer's public face: the app, the server and its configuration.
 *
 * The folder src/http/ owns everything HTTP: the Hono app and its routes, step input from a query or a body, SSE
 * framing, the one table from error codes to statuses, OpenAPI and /docs, the token, the cross-site guard, the
 * body cap, the request log, serving src/playground/, and the server with its shutdown. It may import src/lib/,
 * src/registry/, src/services.ts and the event types in src/generation/generation-events.ts; it reaches the
 * steps only through the registry it is given.
 */
export { createApp, defaultBodyLimitBytes, type AppOptions, type ReadyReport } from './create-app.js';
export { startServer, type RunningServer, type ServerOptions } from './server.js';
export { readHttpConfig, type HttpConfig } from './config.js';
export { httpStatusByCode, httpStatusOf } from './http-status.js';
