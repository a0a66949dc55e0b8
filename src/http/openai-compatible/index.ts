/**
 * @module The OpenAI-compatible door, mounted at /v1: `GET /v1/models`, `GET /v1/models/:model` and
 * `POST /v1/chat/completions` (and the same under `/v1/conversations/<name>/`), so OpenAI clients and chat UIs can use branchflow as their endpoint. A sub-app
 * of its own, so every failure here (the token and cross-site guards' too) answers in OpenAI's error shape.
 */
import { Hono, type MiddlewareHandler } from 'hono';
import { CallError } from '../../lib/call-error.js';
import type { Logger } from '../../lib/logger.js';
import type { Registry } from '../../registry/registry.js';
import type { AppEnv } from '../app-env.js';
import { createChatCompletionsHandler } from './chat-completions.js';
import { findConfig, isUsable, listConfigs, toModelObject } from './model-list.js';
import { openAiErrorResponse } from './openai-error.js';

export { replyHeaders } from './chat-completions.js';

export interface OpenAiRoutesOptions {
  registry: Registry;
  logger: Logger;
  /** The same guards as /api (cross-site, token, body cap), run in this sub-app so their errors take its shape. */
  guards: MiddlewareHandler<AppEnv>[];
  pingIntervalMs: number;
}

export function openAiRoutes(options: OpenAiRoutesOptions): Hono<AppEnv> {
  const { registry, logger } = options;
  const routes = new Hono<AppEnv>();
  for (const guard of options.guards) routes.use(guard);
  const chatCompletions = createChatCompletionsHandler({ registry, logger, pingIntervalMs: options.pingIntervalMs });

  // A chat UI that can set a base URL but no header uses /v1/conversations/<name> as its base URL instead.
  for (const base of ['', '/conversations/:conversation']) {
    // Usable configs only by default: a chat UI's model picker should offer what can answer. `?all=true` lists
    // every config, each with `branchflow.usable` and the problem, for finding out why one is missing.
    routes.get(`${base}/models`, async (context) => {
      const all = context.req.query('all') === 'true';
      const configs = await listConfigs(registry, context.req.raw.signal);
      return context.json({ object: 'list', data: configs.filter((config) => all || isUsable(config)).map(toModelObject) });
    });
    routes.get(`${base}/models/:model{.+}`, async (context) => {
      const configs = await listConfigs(registry, context.req.raw.signal);
      return context.json(toModelObject(findConfig(configs, context.req.param('model'))));
    });
    routes.post(`${base}/chat/completions`, chatCompletions);
  }
  routes.all('*', (context) => {
    throw new CallError(
      'NOT_FOUND',
      `no route for ${context.req.method} ${context.req.path}; the OpenAI-compatible routes are GET /v1/models and POST /v1/chat/completions (also under /v1/conversations/<name>/)`,
    );
  });

  routes.onError((error, context) => openAiErrorResponse(context, error, logger));
  return routes;
}
