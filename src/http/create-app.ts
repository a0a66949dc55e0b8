/** @module createApp: the HTTP face of the registry (DESIGN §3), as a Hono app that tests call with `app.request`. */
import { Hono, type MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { requestId } from 'hono/request-id';
import { routePath } from 'hono/route';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import { CallError } from '../lib/call-error.js';
import type { Registry } from '../registry/registry.js';
import type { AppEnv } from './app-env.js';
import { requireToken } from './middleware/bearer-token.js';
import { requestBodyLimit } from './middleware/body-limit.js';
import { createCallHandler } from './call-handler.js';
import { describeCalls } from './openapi/calls-listing.js';
import { crossSiteGuard } from './middleware/cross-site-guard.js';
import { docsRoutes } from './openapi/docs-page.js';
import { openAiRoutes, replyHeaders } from './openai-compatible/index.js';
import { errorResponse } from './error-response.js';
import { buildOpenApiDocument } from './openapi/openapi-document.js';
import { playgroundRoutes } from './playground-routes.js';
import { attachmentHandler, attachmentRoutePath } from './attachment-route.js';
import { requestLog } from './middleware/request-log.js';

export interface ReadyReport {
  ok: boolean;
  checks: Record<string, boolean | string>;
}

export interface AppOptions {
  registry: Registry;
  logger: Logger;
  /** BRANCHFLOW_TOKEN: when set, every /api request needs it. */
  token?: string;
  /** BRANCHFLOW_CORS_ORIGINS: browser origins allowed to call the API. */
  corsOrigins?: string[];
  /** Request body cap; 10 MB by default. */
  bodyLimitBytes?: number;
  /** How often an open SSE stream sends `: ping`; 15 s by default. */
  pingIntervalMs?: number;
  /** How long a stream's first event may take before its headers go out without it; 1 s by default. */
  openStreamAfterMs?: number;
  /** The /ready checks (store readable, watcher running); always ready when absent. */
  ready?: () => Promise<ReadyReport>;
  /** The engine's figures: served at `GET /metrics` (behind the token, when one is set), and requests counted. */
  metrics?: Metrics;
}

export const defaultBodyLimitBytes = 10 * 1024 * 1024;

export function createApp(options: AppOptions): Hono<AppEnv> {
  const { registry, logger } = options;
  const tokenRequired = options.token !== undefined && options.token !== '';
  if (tokenRequired) logger.addSecret(options.token!);
  const maxSize = options.bodyLimitBytes ?? defaultBodyLimitBytes;
  const app = new Hono<AppEnv>();

  // /api and the OpenAI-compatible /v1 are guarded alike: no cross-site page, the token when one is set, the body cap.
  const guards: MiddlewareHandler<AppEnv>[] = [
    crossSiteGuard({ corsOrigins: options.corsOrigins ?? [], tokenRequired }),
    ...(tokenRequired ? [requireToken(options.token!)] : []),
    requestBodyLimit(maxSize, () => {
      throw new CallError('PAYLOAD_TOO_LARGE', `the request body is larger than the ${maxSize}-byte limit (BRANCHFLOW_BODY_LIMIT)`);
    }),
  ];

  app.use(requestId());
  app.use(requestLog(logger));
  const { metrics } = options;
  if (metrics) app.use(countRequests(metrics, registry));
  app.use('/api/*', guards[0]!);
  app.use(
    cors({
      origin: options.corsOrigins ?? [],
      allowMethods: ['GET', 'POST', 'OPTIONS'],
      exposeHeaders: ['X-Request-Id', ...Object.values(replyHeaders)],
      maxAge: 600,
    }),
  );
  for (const guard of guards.slice(1)) app.use('/api/*', guard);

  app.get('/health', (context) => context.json({ status: 'ok' }));
  if (metrics) {
    // What it shows (paths, counts, timings) is the operator's business: the same guards as /api.
    app.use('/metrics', guards[0]!, ...(tokenRequired ? [guards[1]!] : []));
    app.get('/metrics', async (context) => {
      const { text, contentType } = await metrics.exposition();
      return context.body(text, 200, { 'Content-Type': contentType });
    });
  }
  app.get('/ready', async (context) => {
    const report = options.ready === undefined ? { ok: true, checks: {} } : await options.ready().catch(readyFailure);
    return context.json({ status: report.ok ? 'ready' : 'not ready', checks: report.checks }, report.ok ? 200 : 503);
  });
  app.get('/openapi.json', (context) => context.json(buildOpenApiDocument(registry, { tokenRequired })));
  app.route('/docs', docsRoutes());
  app.route('/', playgroundRoutes());
  app.get('/api/calls', (context) => context.json(describeCalls(registry)));
  // Steps are called with GET or POST only. Hono answers HEAD by running the GET route, and a HEAD on
  // complete_stream would start (and pay for) a generation; PUT, DELETE, PATCH would otherwise be a bare 404.
  app.use('/api/*', async (context, next) => {
    const method = context.req.method;
    if (method === 'GET' || method === 'POST' || method === 'OPTIONS') return next();
    const { path } = context.req;
    if (path === '/api/calls') return method === 'HEAD' ? next() : methodNotAllowed(method, path, 'GET');
    return methodNotAllowed(method, path, 'GET, POST');
  });
  app.get(attachmentRoutePath, attachmentHandler(registry));
  app.route('/v1', openAiRoutes({ registry, logger, guards, pingIntervalMs: options.pingIntervalMs ?? 15_000 }));
  app.on(
    ['GET', 'POST'],
    '/api/*',
    createCallHandler({
      registry,
      logger,
      pingIntervalMs: options.pingIntervalMs ?? 15_000,
      openStreamAfterMs: options.openStreamAfterMs ?? 1000,
    }),
  );

  app.notFound((context) =>
    errorResponse(
      context,
      new CallError('NOT_FOUND', `no route for ${context.req.method} ${context.req.path}; see /api/calls or /docs`),
      logger,
    ),
  );
  // Every failure, a step's or the app's own, ends here as the one error body; nothing a request does crashes the server.
  app.onError((error, context) => errorResponse(context, error, logger));
  return app;
}

/** 405 with `Allow`; a body (the usual error shape) except for HEAD, which never has one. */
function methodNotAllowed(method: string, path: string, allow: string): Response {
  if (method === 'HEAD') return new Response(null, { status: 405, headers: { Allow: allow } });
  const message = `${path} does not answer ${method}: call a step with ${allow.replace(', ', ' or ')}`;
  return Response.json({ success: false, error: { code: 'METHOD_NOT_ALLOWED', message } }, { status: 405, headers: { Allow: allow } });
}

function readyFailure(error: unknown): ReadyReport {
  return { ok: false, checks: { ready: error instanceof Error ? error.message : String(error) } };
}

/**
 * Counts every answered request by method, route and status. The route is the step path for /api calls that name
 * a registered step, else the route that matched (`/api/*` for an unknown step): never the raw URL, so a scan of
 * made-up paths cannot grow the series without bound.
 */
function countRequests(metrics: Metrics, registry: Registry): MiddlewareHandler<AppEnv> {
  return async function countRequest(context, next) {
    await next();
    const { path } = context.req;
    let route = routePath(context, -1) || '*';
    if (path.startsWith('/api/') && path !== '/api/calls') {
      const stepPath = path.slice('/api/'.length).replace(/\/+$/, '');
      if (registry.has(stepPath)) route = `/api/${stepPath}`;
    }
    metrics.httpRequests.inc({ method: context.req.method, route, status: String(context.res.status) });
  };
}
