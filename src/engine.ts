/**
 * @module createEngine: the services and the registry with every built-in step, every workflow and plugin folder
 * found at start, and the steps and plugins given as values, wired once. The server (main.ts), the CLI, tests,
 * benchmarks and library users all build the engine the same way; only HTTP is left out.
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GenerationManager } from './generation/generation-manager.js';
import { recoverInterrupted, type RecoveryReport } from '../workflows/chat_completion/job/recover-interrupted.js';
import { silentLogger, type Logger } from './lib/logger.js';
import { loadDotEnv } from './llm/config/dot-env.js';
import { createLlmService } from './llm/llm-service.js';
import { chatBranchesSteps } from './modules/chat_branches/index.js';
import { llmApiSteps } from './modules/llm_api/index.js';
import { Registry } from './registry/registry.js';
import type { Services } from './services.js';
import { openConfiguredStore, type ConversationStore, type FileStore } from './store/index.js';
import { GenerationJournal } from './generation/journal.js';
import type { Step } from './registry/define-step.js';
import { checkExtension, type Extension } from './plugins/check-extension.js';
import type { Plugin } from './plugins/define-plugin.js';
import type { Hooks } from './plugins/hook-types.js';
import { defaultHookTimeoutMs } from './plugins/hook-runner.js';
import { loadExtensionFolders } from './plugins/load-plugins.js';
import { PluginLoadError } from './plugins/plugin-load-error.js';
import { dropDuplicateNames, registerExtensions } from './plugins/register-extensions.js';

/** The package's own folder (the clone, or dist/ when built): its workflows/ hold the built-in workflow. */
const packageFolder = fileURLToPath(new URL('../', import.meta.url));

/** The name hooks given to createEngine as values run under (in `start` events and settings.json). */
export const engineHooksName = 'app';
import { toolsSteps } from './modules/tools/index.js';
import { ToolCatalog } from './tools/tool-catalog.js';
import { takeOverGeneration } from '../workflows/chat_completion/job/take-over.js';
import type { GenerationLog } from './generation/generation-log.js';
import { openRedisGenerationLog } from './generation/redis-generation-log.js';
import { Metrics } from './lib/metrics.js';

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
  /** Steps to register beside the discovered ones, any namespace (no folder needed). */
  steps?: readonly Step[];
  /** Plugins as values (`definePlugin(...)`), after the folders' plugins. */
  plugins?: readonly Plugin[];
  /** Hooks as values; they run last, as a plugin named "app". */
  hooks?: Hooks;
  /** How long a hook may run (ms) unless its plugin says otherwise; default BRANCHFLOW_HOOK_TIMEOUT_MS, else 5000. */
  hookTimeoutMs?: number;
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
  /** The loaded plugins' names, in the order their hooks run. */
  plugins: string[];
  /** The loaded workflows' names (the built-in chat_completion first). */
  workflows: string[];
  /** The figures `GET /metrics` serves (the server passes them to the app). */
  metrics: Metrics;
  /** Aborts running generations (saving their partials), then closes the store. */
  close(options?: { timeoutMs?: number }): Promise<void>;
}

export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  const env = options.env ?? process.env;
  const root = resolve(options.root ?? env['BRANCHFLOW_ROOT'] ?? process.cwd());
  const logger = options.logger ?? silentLogger;
  await loadDotEnv(root, env);
  const loaded = await loadExtensions(root, options);
  const store = options.store ?? (await openConfiguredStore({ root, logger, env, watch: options.watch ?? false }));
  let log: GenerationLog | undefined;
  try {
    log = options.generationLog ?? (await openConfiguredLog(env, logger));
  } catch (error) {
    await store.close();
    throw error;
  }
  const metrics = new Metrics();
  const generations = new GenerationManager({
    logger,
    metrics,
    ...(log === undefined ? {} : { log }),
    ...(options.checkpointIntervalMs === undefined ? {} : { checkpointIntervalMs: options.checkpointIntervalMs }),
    ...(options.retentionMs === undefined ? {} : { retentionMs: options.retentionMs }),
  });
  const tools = new ToolCatalog({ root, env, logger });
  const services: Services = { root, logger, store, generations, llm: createLlmService({ root, logger, env }), tools };
  const api = new Registry([...chatBranchesSteps, ...llmApiSteps, ...toolsSteps], services);
  const registered = registerExtensions(api, loaded.extensions, options.steps ?? [], hookTimeoutOf(options, env));
  const problems = [...loaded.problems, ...registered.problems];
  if (problems.length > 0) {
    await generations.shutdown(0);
    await store.close();
    throw new PluginLoadError(problems);
  }
  services.hooks = registered.hooks;
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
    metrics,
    plugins: [...registered.hooks.pluginNames],
    workflows: loaded.extensions.filter((extension) => extension.kind === 'workflow').map((extension) => extension.name),
    async close({ timeoutMs = 10_000 } = {}) {
      await generations.shutdown(timeoutMs);
      // Replies that could be saved nowhere (a full disk) wait in memory for their journal; one last try.
      const unwritten = await GenerationJournal.settleAll();
      if (unwritten > 0)
        logger.error('replies could not be written to their journals before shutdown; their text is lost', { replies: unwritten });
      await tools.close();
      await store.close();
    },
  };
}

/** The package's workflows, then the root's workflows/ and plugins/ folders, then the values given. */
async function loadExtensions(root: string, options: EngineOptions): Promise<{ extensions: Extension[]; problems: string[] }> {
  const found = await loadExtensionFolders([
    { kind: 'workflow', folder: join(packageFolder, 'workflows'), labelBase: packageFolder },
    { kind: 'workflow', folder: join(root, 'workflows'), labelBase: root },
    { kind: 'plugin', folder: join(root, 'plugins'), labelBase: root },
  ]);
  const extensions = [...found.extensions];
  const problems = [...found.problems];
  const values: Array<[value: unknown, source: string]> = (options.plugins ?? []).map((plugin, index) => [
    plugin,
    `createEngine plugins[${index}]`,
  ]);
  if (options.hooks !== undefined) values.push([{ kind: 'plugin', name: engineHooksName, hooks: options.hooks }, 'createEngine hooks']);
  for (const [value, source] of values) {
    const checked = checkExtension(value, 'plugin', source);
    if (checked.extension) extensions.push(checked.extension);
    problems.push(...checked.problems);
  }
  const unique = dropDuplicateNames(extensions);
  return { extensions: unique.extensions, problems: [...problems, ...unique.problems] };
}

function hookTimeoutOf(options: EngineOptions, env: NodeJS.ProcessEnv): number {
  if (options.hookTimeoutMs !== undefined) return options.hookTimeoutMs;
  const fromEnv = Number(env['BRANCHFLOW_HOOK_TIMEOUT_MS']);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : defaultHookTimeoutMs;
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
