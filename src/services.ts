/** @module What every step reaches through `context.services`: the shared pieces main.ts wires together. */
import type { GenerationManager } from './generation/generation-manager.js';
import type { Logger } from './lib/logger.js';
import type { LlmService } from './llm/llm-service.js';
import type { HookRunner } from './plugins/hook-runner.js';
import type { ConversationStore } from './store/index.js';
import type { ToolCatalog } from './tools/tool-catalog.js';

export interface Services {
  /** The project root (`BRANCHFLOW_ROOT`); every file parameter is relative to it. */
  root: string;
  logger: Logger;
  store: ConversationStore;
  generations: GenerationManager;
  llm: LlmService;
  /** MCP servers and their tools (step tools are found through the registry). */
  tools: ToolCatalog;
  /** The plugins' hooks around a completion; absent where no plugin is loaded (tests of single layers). */
  hooks?: HookRunner;
}
