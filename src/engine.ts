/**
 * @module createEngine: the services and the registry with every built-in step, wired once. The server
 * (main.ts), the CLI, tests and benchmarks all build the engine the same way; only HTTP is left out.
 */
import { resolve } from 'node:path';
import { GenerationManager } from './generation/generation-manager.js';
import { recoverInterrupted, type RecoveryReport } from '../workflows/chat_completion/job/recover-interrupted.js';
import { silentLogger, type Logger } from './lib/logger.js';
import { loadDotEnv } from './llm/dot-env.js';
import { createLlmService } from './llm/llm-service.js';
import { chatBranchesSteps } from './modules/chat_branches/index.js';
import { llmApiSteps } from './modules/llm_api/index.js';
import { Registry } from './registry/registry.js';
import type { Services } from './services.js';
import { createFileStore, defaultKeepRemovedMs } from './store/index.js';
import { GenerationJournal } from './generation/journal.js';
import { chatCompletionSteps } from '../workflows/chat_completion/index.js';

export interface EngineOptions {
  /** The project root holding data/ (default: BRANCHFLOW_ROOT, else the working directory). */
  root?: string;
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
  /** Watch data/ for hand edits (the server does; a one-shot CLI command need not). */
  watch?: boolean;
  /** Fold journals of interrupted replies into their conversations before serving (default true). */
  recover?: boolean;
  checkpointIntervalMs?: number;
  retentionMs?: number;
}

export interface Engine {
  root: string;
  services: Services;
  /** The in-process api: `api.call(path, input)`, `api.stream(path, input)`. */
  api: Registry;
  recovered: RecoveryReport[];
  /** Aborts running generations (saving their partials), then closes the store. */
  close(options?: { timeoutMs?: number }): Promise<void>;
}

export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  const env = options.env ?? process.env;
  const root = resolve(options.root ?? env['BRANCHFLOW_ROOT'] ?? process.cwd());
  const logger = options.logger ?? silentLogger;
  await loadDotEnv(root, env);
  const store = createFileStore({ root, logger, watch: options.watch ?? false, keepRemovedMs: keepRemovedMs(env) });
  const generations = new GenerationManager({
    logger,
    ...(options.checkpointIntervalMs === undefined ? {} : { checkpointIntervalMs: options.checkpointIntervalMs }),
    ...(options.retentionMs === undefined ? {} : { retentionMs: options.retentionMs }),
  });
  const services: Services = { root, logger, store, generations, llm: createLlmService({ root, logger, env }) };
  const api = new Registry([...chatBranchesSteps, ...llmApiSteps, ...chatCompletionSteps], services);
  if (options.recover !== false) await store.finishInterruptedSaves();
  const recovered = options.recover === false ? [] : await recoverInterrupted(api, root, logger);
  return {
    root,
    services,
    api,
    recovered,
    async close({ timeoutMs = 10_000 } = {}) {
      await generations.shutdown(timeoutMs);
      // Replies that could be saved nowhere (a full disk) wait in memory for their journal; one last try.
      const unwritten = await GenerationJournal.settleAll();
      if (unwritten > 0)
        logger.error('replies could not be written to their journals before shutdown; their text is lost', { replies: unwritten });
      await store.close();
    },
  };
}

/** BRANCHFLOW_KEEP_REMOVED_MS: how long saved nodes are kept when an outside write removes them (0: off). */
function keepRemovedMs(env: NodeJS.ProcessEnv): number {
  const text = env['BRANCHFLOW_KEEP_REMOVED_MS'];
  if (text === undefined || text.trim() === '') return defaultKeepRemovedMs;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`BRANCHFLOW_KEEP_REMOVED_MS must be a number of milliseconds, 0 or more; got "${text}"`);
  return value;
}
