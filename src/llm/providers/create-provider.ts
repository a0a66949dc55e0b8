/** @module The provider factory: a checked config to the adapter for its `provider`. */
import type { Logger } from '../../lib/logger.js';
import type { ClientCache } from '../transport/client-cache.js';
import type { LoadedConfig } from '../config/config-check.js';
import { connectionOf } from '../transport/connection.js';
import type { Provider } from '../provider.js';
import { createAnthropicProvider } from './anthropic/anthropic-provider.js';
import { createGeminiProvider } from './gemini/gemini-provider.js';
import { createMockProvider } from './mock/mock-provider.js';
import { createOpenAiProvider } from './openai/openai-provider.js';

/**
 * Throws BAD_INPUT (no key for a vendor host, no base_url, no model, an Anthropic max_tokens or thinking budget
 * the API would refuse) before anything is sent. With `clients`,
 * SDK clients are shared by every provider with the same base URL and key.
 */
export function createProvider(loaded: LoadedConfig, logger: Logger, clients?: ClientCache): Provider {
  const connection = connectionOf(loaded);
  switch (connection.provider) {
    case 'openai':
    case 'openai_compatible':
      return createOpenAiProvider(connection, loaded.config, logger, clients);
    case 'gemini':
      return createGeminiProvider(connection, loaded.config, logger, clients);
    case 'anthropic':
      return createAnthropicProvider(connection, loaded.config, logger, clients);
    case 'mock':
      return createMockProvider(connection, loaded.config.mock ?? {});
  }
}
