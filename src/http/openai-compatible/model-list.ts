/**
 * @module `/v1/models`: the LLM configs under data/llm_configs/ as OpenAI model objects. A model's id is the
 * config's short name (`mock` for data/llm_configs/mock.json, `x` for data/llm_configs/x/llm_config.json), and
 * a chat completion's `model` is looked up here, so both routes agree on what a name means.
 */
import { CallError } from '../../lib/call-error.js';
import type { Registry } from '../../registry/registry.js';

/** What `modules/llm_api/list_configs` says of one config (its output schema, restated: http sees no llm types). */
export interface ConfigSummary {
  file: string;
  name: string;
  provider: string | null;
  model: string | null;
  key_resolves: boolean;
  error?: { code: string; message: string };
}

export interface ModelObject {
  id: string;
  object: 'model';
  /** Configs have no creation date; 0 keeps the list the same from one call to the next. */
  created: number;
  owned_by: string;
  /** branchflow's own marker: which file, and whether a request with this model can work as the config stands. */
  branchflow: { file: string; name: string; provider: string | null; model: string | null; usable: boolean; problem?: string };
}

export async function listConfigs(registry: Registry, signal: AbortSignal): Promise<ConfigSummary[]> {
  const { configs } = await registry.call<{ configs: ConfigSummary[] }>('modules/llm_api/list_configs', {}, { signal });
  return configs;
}

/** `data/llm_configs/mock.json` is `mock`; `data/llm_configs/x/llm_config.json` is `x`. */
export function modelIdOf(file: string): string {
  const parts = file.split('/');
  const last = parts.at(-1)!;
  return last === 'llm_config.json' ? parts.at(-2)! : last.replace(/\.json$/, '');
}

/** Usable: it parses, validates, and its key resolves (or it needs none). */
export function isUsable(config: ConfigSummary): boolean {
  return config.error === undefined && config.key_resolves;
}

export function toModelObject(config: ConfigSummary): ModelObject {
  const problem = config.error?.message ?? (config.key_resolves ? undefined : 'its api_key does not resolve to a value');
  return {
    id: modelIdOf(config.file),
    object: 'model',
    created: 0,
    owned_by: config.provider ?? 'branchflow',
    branchflow: {
      file: config.file,
      name: config.name,
      provider: config.provider,
      model: config.model,
      usable: isUsable(config),
      ...(problem === undefined ? {} : { problem }),
    },
  };
}

/** The config a `model` names: its id, or its file path as list_configs gives it. */
export function findConfig(configs: readonly ConfigSummary[], model: string): ConfigSummary {
  const found = configs.find((config) => modelIdOf(config.file) === model || config.file === model);
  if (found !== undefined) return found;
  const known = configs.map((config) => modelIdOf(config.file)).join(', ');
  throw new CallError(
    'NOT_FOUND',
    `the model "${model}" does not exist: no LLM config of that name under data/llm_configs/ (known: ${known || 'none'})`,
    {
      details: { openai: { param: 'model', code: 'model_not_found' } },
    },
  );
}
