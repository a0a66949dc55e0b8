/**
 * @module The package's public API (`import { createEngine, defineStep, definePlugin, CallError } from 'branchflow'`):
 * build an engine with your own steps, plugins and hooks, run it in-process or serve it over HTTP.
 */
export { createEngine, engineHooksName, type Engine, type EngineOptions } from './engine.js';
export {
  defineStep,
  type Step,
  type StepContext,
  type PlainStepSpec,
  type StreamStepSpec,
  type Namespace,
} from './registry/define-step.js';
export { definePlugin, defineWorkflow, type Plugin, type PluginSpec, type Workflow, type WorkflowSpec } from './plugins/define-plugin.js';
export { hookNames } from './plugins/hook-types.js';
export type {
  AfterLLMCallInput,
  AfterSaveInput,
  BeforeLLMCallInput,
  BeforeSaveInput,
  HookContext,
  HookName,
  Hooks,
  LlmParams,
  SavedNode,
  TransformChunkInput,
} from './plugins/hook-types.js';
export { PluginLoadError } from './plugins/plugin-load-error.js';
export { CallError, callErrorCodes, isCallError, type CallErrorCode } from './lib/call-error.js';
export type { GenerationEvent, UsageCounts } from './generation/generation-events.js';
export type { ConversationDoc, ConversationNode, ConversationSettings, NodeMeta } from './store/index.js';
export type { ChatMessage } from './llm/provider.js';
export type { Registry } from './registry/registry.js';
export type { Logger } from './lib/logger.js';
export { createLogger, silentLogger } from './lib/logger.js';
export { startServer, readHttpConfig, type RunningServer } from './http/index.js';
