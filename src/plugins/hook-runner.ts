/**
 * @module The hook runner: which plugins' hooks apply to a conversation (settings.json `plugins: {enable, disable}`),
 * and running one hook with its timeout, so that a throwing or hanging hook becomes one clear HOOK_FAILED naming the
 * plugin and the hook instead of a stuck or silently broken generation.
 */
import { CallError } from '../lib/call-error.js';
import { isPlainObject } from '../lib/plain-object.js';
import type { ConversationSettings } from '../store/index.js';
import type { HookContext, HookName, Hooks, PluginHooks } from './hook-types.js';

export const defaultHookTimeoutMs = 5000;

/** What a hook's context is built from; the runner adds the plugin's name and the timeout's signal. */
export type HookEnvironment = Omit<HookContext, 'plugin' | 'signal' | 'call' | 'stream'> & {
  call<Output = unknown>(path: string, input: unknown, signal: AbortSignal): Promise<Output>;
  stream<Event = unknown>(path: string, input: unknown, signal: AbortSignal): AsyncIterable<Event>;
};

export class HookRunner {
  /** Every loaded plugin's name, in load order (a plugin without hooks may still be named in settings). */
  readonly pluginNames: readonly string[];
  readonly #withHooks: readonly PluginHooks[];

  constructor(pluginNames: readonly string[], plugins: readonly PluginHooks[]) {
    this.pluginNames = pluginNames;
    this.#withHooks = plugins.filter((plugin) => Object.keys(plugin.hooks).length > 0);
  }

  /** No loaded plugin has a hook: a completion need not even read settings.json. */
  get empty(): boolean {
    return this.#withHooks.length === 0;
  }

  /**
   * The plugins whose hooks run for a conversation with these settings, in load order. INVALID_FILE naming the
   * settings file when `plugins` is malformed or names a plugin that is not loaded.
   */
  select(settings: ConversationSettings, settingsFile: string): PluginHooks[] {
    const control = settings['plugins'];
    if (control === undefined) return [...this.#withHooks];
    const enable = this.#names(control, 'enable', settingsFile);
    const disable = this.#names(control, 'disable', settingsFile) ?? [];
    return this.#withHooks.filter(({ plugin }) => (enable === undefined || enable.includes(plugin)) && !disable.includes(plugin));
  }

  #names(control: unknown, field: 'enable' | 'disable', settingsFile: string): string[] | undefined {
    const shape = `"plugins" in ${settingsFile} must be an object like {"enable": ["name"], "disable": ["name"]}`;
    if (!isPlainObject(control)) throw invalid(shape, '/plugins');
    const extra = Object.keys(control).find((key) => key !== 'enable' && key !== 'disable');
    if (extra !== undefined) throw invalid(`${shape}; "${extra}" is not one of its fields`, `/plugins/${extra}`);
    const names = control[field];
    if (names === undefined) return undefined;
    if (!Array.isArray(names) || names.some((name) => typeof name !== 'string')) {
      throw invalid(`plugins.${field} in ${settingsFile} must be an array of plugin names`, `/plugins/${field}`);
    }
    for (const [index, name] of (names as string[]).entries()) {
      if (!this.pluginNames.includes(name)) {
        const loaded = this.pluginNames.length === 0 ? 'none is loaded' : `loaded: ${this.pluginNames.join(', ')}`;
        throw invalid(
          `plugins.${field}[${index}] in ${settingsFile} names plugin "${name}", which is not loaded (${loaded})`,
          `/plugins/${field}/${index}`,
        );
      }
    }
    return names as string[];
  }
}

function invalid(message: string, pointer: string): CallError {
  return new CallError('INVALID_FILE', message, { details: { field: pointer } });
}

/** `plugin/hook` for each selected plugin that has `hook`. */
export function hookLabels(plugins: readonly PluginHooks[]): string[] {
  const order: HookName[] = ['beforeLLMCall', 'transformChunk', 'afterLLMCall', 'beforeSave', 'afterSave'];
  return plugins.flatMap(({ plugin, hooks }) =>
    order.filter((name) => typeof hooks[name] === 'function').map((name) => `${plugin}/${name}`),
  );
}

type HookInput<Name extends HookName> = Parameters<NonNullable<Hooks[Name]>>[0];
type HookOutput<Name extends HookName> = Awaited<ReturnType<NonNullable<Hooks[Name]>>>;

/**
 * Runs one plugin's hook. Anything it throws, and running past its timeout, is HOOK_FAILED naming the plugin and
 * the hook; on a timeout the hook's signal aborts so it can stop whatever it waits on.
 */
export async function runHook<Name extends HookName>(
  plugin: PluginHooks,
  name: Name,
  input: HookInput<Name>,
  environment: HookEnvironment,
): Promise<HookOutput<Name>> {
  const hook = plugin.hooks[name] as ((input: HookInput<Name>, context: HookContext) => HookOutput<Name>) | undefined;
  if (hook === undefined) return undefined as HookOutput<Name>;
  const controller = new AbortController();
  const { signal } = controller;
  const context: HookContext = {
    plugin: plugin.plugin,
    signal,
    logger: environment.logger,
    root: environment.root,
    call: (path, callInput) => environment.call(path, callInput, signal),
    stream: (path, streamInput) => environment.stream(path, streamInput, signal),
  };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = hookFailed(plugin.plugin, name, `did not finish within ${plugin.timeoutMs} ms`);
      controller.abort(error);
      reject(error);
    }, plugin.timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(() => hook.call(plugin.hooks, input, context)), timeout]);
  } catch (error) {
    if (error instanceof CallError && error.code === 'HOOK_FAILED' && (error.details as { plugin?: string }).plugin === plugin.plugin) {
      throw error;
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw hookFailed(plugin.plugin, name, `threw: ${reason.length > 300 ? `${reason.slice(0, 300)}…` : reason}`, error);
  } finally {
    clearTimeout(timer);
  }
}

function hookFailed(plugin: string, hook: HookName, what: string, cause?: unknown): CallError {
  // Written for the caller (which plugin, which hook, what happened); the operator's own code, so not masked.
  return new CallError('HOOK_FAILED', `plugin ${plugin}: hook ${hook} ${what}`, {
    details: { plugin, hook },
    exposed: true,
    ...(cause === undefined ? {} : { cause }),
  });
}
