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
import { openConfiguredStore, type ConversationStore, type FileStore } from './store/index.js';
import { GenerationJournal } from './generation/journal.js';
import { chatCompletionSteps } from '../workflows/chat_completion/index.js';
import { takeOverGeneration } from '../workflows/chat_completion/job/take-over.js';
import type { GenerationLog } from './generation/generation-log.js';
import { openRedisGenerationLog } from './generation/redis-generation-log.js';

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
  /**
   * The conversation store; the engine closes it. Default: the file store under the root, or PostgreSQL when
   * BRANCHFLOW_STORE=postgres://... is set.
   */
  store?: ConversationStore;
  /**
   * Where generation events are kept beyond this process; the engine closes it. Default: in memory only, or
   * Redis when BRANCHFLOW_REDIS=redis://... is set (then any server can resume, abort and take over).
   */
  generationLog?: GenerationLog;
  /** Take over generations whose server went away (a shared log). Default: when watching (a server). */
  takeOver?: boolean;
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
  const store = options.store ?? (await openConfiguredStore({ root, logger, env, watch: options.watch ?? false }));
  let log: GenerationLog | undefined;
  try {
    log = options.generationLog ?? (await openConfiguredLog(env, logger));
  } catch (error) {
    await store.close();
    throw error;
  }
  const generations = new GenerationManager({
    logger,
    ...(log === undefined ? {} : { log }),
    ...(options.checkpointIntervalMs === undefined ? {} : { checkpointIntervalMs: options.checkpointIntervalMs }),
    ...(options.retentionMs === undefined ? {} : { retentionMs: options.retentionMs }),
  });
  const services: Services = { root, logger, store, generations, llm: createLlmService({ root, logger, env }) };
  const api = new Registry([...chatBranchesSteps, ...llmApiSteps, ...chatCompletionSteps], services);
  if (generations.log.shared && (options.takeOver ?? options.watch ?? false)) {
    generations.watchForOrphans((orphan) => takeOverGeneration(api, root, orphan, logger));
  }
  if (options.recover !== false && 'finishInterruptedSaves' in store) await (store as FileStore).finishInterruptedSaves();
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

/** BRANCHFLOW_REDIS=redis://... : the shared generation log; BRANCHFLOW_REDIS_PREFIX and BRANCHFLOW_LEASE_MS tune it. */
async function openConfiguredLog(env: NodeJS.ProcessEnv, logger: Logger): Promise<GenerationLog | undefined> {
  const url = env['BRANCHFLOW_REDIS']?.trim();
  if (url === undefined || url === '') return undefined;
  const leaseMs = Number(env['BRANCHFLOW_LEASE_MS'] ?? '');
  return openRedisGenerationLog({
    url,
    logger,
    ...(env['BRANCHFLOW_REDIS_PREFIX'] ? { prefix: env['BRANCHFLOW_REDIS_PREFIX'] } : {}),
    ...(Number.isFinite(leaseMs) && leaseMs > 0 ? { leaseMs } : {}),
  });
}
