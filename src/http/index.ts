/** @module The HTTP layer's public face: the app, the server and its configuration. */
export { createApp, defaultBodyLimitBytes, type AppOptions, type ReadyReport } from './create-app.js';
export { startServer, type RunningServer, type ServerOptions } from './server.js';
export { readHttpConfig, type HttpConfig } from './config.js';
export { httpStatusByCode, httpStatusOf } from './http-status.js';
