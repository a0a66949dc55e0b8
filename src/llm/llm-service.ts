/**
 * @module LlmService, what steps reach as `services.llm`: load a config (sandboxed, `${ENV}` resolved, kept
 * while neither its file nor its variables change), check an inline one, build its provider (SDK clients
 * shared), list the configs. Every resolved key is registered with the logger, so no log line can print it.
 *
 * The folder src/llm/ owns LLM configs (schema, files, `${ENV}`, `.env`, caches), the provider interface
 * (`provider.ts`), the network policy every adapter shares (`upstream-stream.ts`: timeouts, retries, cancellation)
 * and the adapters in `providers/`, the only files that import a provider SDK. It may import only src/lib/.
 */
import type { Logger } from '../lib/logger.js';
import { CallError, toCallError } from '../lib/call-error.js';
import { ClientCache } from './transport/client-cache.js';
import { ConfigCache } from './config/config-cache.js';
import { checkConfigFile, checkInlineConfig, type LoadedConfig } from './config/config-check.js';
import { ConfigLocator, configsFolder, findConfigFiles, locateConfigFile, readConfigJson } from './config/config-file.js';
import { resolvePlaceholders, type Environment } from './config/config-placeholders.js';
import { connectionOf, keyNeededFor } from './transport/connection.js';
import type { ProviderName } from './config/config-schema.js';
import type { Provider } from './provider.js';
import { createProvider } from './providers/create-provider.js';
import { refreshDotEnv } from './config/dot-env.js';

export type { LoadedConfig } from './config/config-check.js';

/** Used when a call names no config; when it does not exist either, the embedded mock answers. */
export const defaultConfigFile = `${configsFolder}/mock.json`;

export interface ConfigSummary {
  file: string;
  name: string;
  provider: string | null;
  model: string | null;
  /** The key's placeholders resolve to a value, or this config needs no key (mock, a local server). */
  key_resolves: boolean;
  /** Why the config cannot be used as it stands. */
  error?: { code: string; message: string };
  /** Fields the engine does not know (kept, ignored). */
  unknown_fields?: string[];
}

export interface LlmService {
  /** A config file, root-relative (`data/llm_configs/x.json` or `data/llm_configs/x/`); none: the default. */
  loadConfig(file?: string): Promise<LoadedConfig>;
  /** A config given in a call: checked, placeholders refused (BAD_INPUT). */
  inlineConfig(config: unknown): LoadedConfig;
  /**
   * The adapter for a loaded config; BAD_INPUT when it lacks a key, base_url or model. Adapters hold no
   * per-request state: the same config gets the same adapter, and the same base URL and key the same SDK client.
   */
  provider(config: LoadedConfig): Provider;
  listConfigs(): Promise<ConfigSummary[]>;
}

export interface LlmServiceOptions {
  root: string;
  logger: Logger;
  /** Where `${NAME}` is looked up; process.env by default (read at each load, so later changes count). */
  env?: Environment;
}

const embeddedDefault: LoadedConfig = {
  file: null,
  label: 'embedded mock config',
  config: { name: 'Mock (embedded)', provider: 'mock' },
  unknownFields: [],
};

export function createLlmService({ root, logger, env = process.env }: LlmServiceOptions): LlmService {
  const warned = new Set<string>();
  const configs = new ConfigCache();
  const clients = new ClientCache();
  const locator = new ConfigLocator(root);
  // A config loaded from an unchanged file is the same object each time, and so is its adapter.
  const providers = new WeakMap<LoadedConfig, Provider>();

  const remember = (loaded: LoadedConfig): LoadedConfig => {
    const key = loaded.config.api_key;
    if (typeof key === 'string' && key.trim() !== '') logger.addSecret(key.trim());
    const signature = `${loaded.file}\0${loaded.unknownFields.join(',')}`;
    if (loaded.unknownFields.length > 0 && !warned.has(signature)) {
      warned.add(signature);
      logger.warn('LLM config has fields branchflow does not use; they are kept and ignored', {
        config: loaded.label,
        fields: loaded.unknownFields,
      });
    }
    return loaded;
  };

  const loadFile = async (file: string): Promise<LoadedConfig> => {
    await refreshDotEnv(root, env);
    const located = await locator.locate(file);
    const { loaded, fresh } = await configs.load(
      located,
      env,
      () => readConfigJson(located),
      (raw) => checkConfigFile(raw, located.file, env),
    );
    // An unchanged config was remembered when it was first loaded: its key is already masked, its warning given.
    return fresh ? remember(loaded) : loaded;
  };

  const summarise = async (file: string): Promise<ConfigSummary> => {
    await refreshDotEnv(root, env);
    let raw: unknown;
    try {
      raw = await readConfigJson(await locateConfigFile(root, file));
    } catch (error) {
      return { file, name: nameFromFile(file), provider: null, model: null, key_resolves: false, error: errorOf(error) };
    }
    const { value, problems } = resolvePlaceholders(raw, env);
    const fields = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
    const text = (field: string): string | null => (typeof fields[field] === 'string' ? fields[field] : null);
    const summary: ConfigSummary = {
      file,
      name: text('name') ?? nameFromFile(file),
      provider: text('provider'),
      model: text('model'),
      key_resolves:
        !problems.some((problem) => problem.pointer === '/api_key') && keyUsable(text('api_key'), text('provider'), text('base_url')),
    };
    try {
      const loaded = remember(checkConfigFile(raw, file, env));
      summary.model = connectionOf(loaded).model;
      if (loaded.unknownFields.length > 0) summary.unknown_fields = loaded.unknownFields;
    } catch (error) {
      summary.error = errorOf(error);
    }
    return summary;
  };

  return {
    async loadConfig(file) {
      if (file !== undefined) return loadFile(file);
      try {
        return await loadFile(defaultConfigFile);
      } catch (error) {
        if (error instanceof CallError && error.code === 'NOT_FOUND') return embeddedDefault;
        throw error;
      }
    },
    inlineConfig: (config) => remember(checkInlineConfig(config)),
    provider(config) {
      let provider = providers.get(config);
      if (provider === undefined) {
        provider = createProvider(config, logger, clients);
        providers.set(config, provider);
      }
      return provider;
    },
    async listConfigs() {
      return Promise.all((await findConfigFiles(root)).map(summarise));
    },
  };
}

function keyUsable(key: string | null, provider: string | null, baseUrl: string | null): boolean {
  if (key !== null && key.trim() !== '') return true;
  try {
    return keyNeededFor(provider as ProviderName, baseUrl?.trim() ? baseUrl.trim() : undefined) === undefined;
  } catch {
    return false;
  }
}

function errorOf(error: unknown): { code: string; message: string } {
  const callError = toCallError(error);
  return { code: callError.code, message: callError.code === 'INTERNAL' ? `${(error as Error).message}` : callError.message };
}

function nameFromFile(file: string): string {
  const parts = file.split('/');
  const last = parts.at(-1) ?? file;
  return last === 'llm_config.json' ? (parts.at(-2) ?? last) : last.replace(/\.json$/, '');
}
