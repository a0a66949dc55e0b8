/** @module Builds a Registry of the llm_api steps over a temporary root, as the tests of these steps need it. */
import type { Logger } from '../../../src/lib/logger.js';
import { createLlmService } from '../../../src/llm/llm-service.js';
import { llmApiSteps } from '../../../src/modules/llm_api/index.js';
import { Registry } from '../../../src/registry/registry.js';
import type { Services } from '../../../src/services.js';
import { capturingLogger } from '../../llm/llm-test-kit.js';

export function llmApiRegistry(root: string, env: Record<string, string> = {}, logger: Logger = capturingLogger()): Registry {
  const services = { root, logger, llm: createLlmService({ root, logger, env }) } as unknown as Services;
  return new Registry(llmApiSteps, services);
}
