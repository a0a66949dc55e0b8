/**
 * @module From a checked config to what an adapter needs: model, base URL, key, timeouts and retries, with
 * the defaults filled in and the requirements checked (a key for the vendors' own hosts, a base URL for
 * `openai_compatible`), so a call fails before anything is sent.
 */
import { CallError } from '../../lib/call-error.js';
import type { LoadedConfig } from '../config/config-check.js';
import type { ProviderName } from '../config/config-schema.js';

export interface Connection {
  provider: ProviderName;
  /** `config data/llm_configs/x.json` or `inline config`, for messages. */
  label: string;
  model: string;
  /** Without a trailing slash; undefined means the SDK's own default host. */
  baseUrl: string | undefined;
  apiKey: string | undefined;
  /** `connect_timeout`: until a streamed response starts (the response headers). */
  connectTimeoutMs: number;
  /** `timeout`: the longest silence while waiting for data; for a non-streamed call, for the whole answer. */
  idleTimeoutMs: number;
  /** Retries before the first token, on 429, 5xx and dropped connections. */
  maxRetries: number;
}

export const defaultTimeouts = { connect_timeout: 10, timeout: 60 } as const;
export const defaultMaxRetries = 2;

const defaultModels: Partial<Record<ProviderName, string>> = {
  openai: 'gpt-4o-mini',
  gemini: 'gemini-2.5-flash',
  anthropic: 'claude-sonnet-4-5',
  mock: 'mock',
};

/** The hosts that always need a key; any other base URL (a local server, a proxy) may be keyless. */
const keyedHosts: Partial<Record<ProviderName, string>> = {
  openai: 'api.openai.com',
  gemini: 'generativelanguage.googleapis.com',
  anthropic: 'api.anthropic.com',
};

export function connectionOf(loaded: LoadedConfig): Connection {
  const { config, label } = loaded;
  const provider = config.provider;
  const baseUrl = normaliseBaseUrl(config.base_url, label);
  if (provider === 'openai_compatible' && baseUrl === undefined) {
    throw new CallError('BAD_INPUT', `${label}: openai_compatible needs base_url (e.g. http://127.0.0.1:11434/v1 for Ollama)`);
  }
  const model = nonEmpty(config.model) ?? nonEmpty(config.models?.[0]) ?? defaultModels[provider];
  if (model === undefined) throw new CallError('BAD_INPUT', `${label} names no model; set "model"`);
  const apiKey = nonEmpty(config.api_key);
  const host = keyNeededFor(provider, baseUrl);
  if (apiKey === undefined && host !== undefined) {
    throw new CallError(
      'BAD_INPUT',
      `${label} has no api_key, and ${host} needs one; set "api_key" (e.g. "\${${provider.toUpperCase()}_API_KEY}") and that variable`,
    );
  }
  return {
    provider,
    label,
    model,
    baseUrl,
    apiKey,
    connectTimeoutMs: (config.connect_timeout ?? defaultTimeouts.connect_timeout) * 1000,
    idleTimeoutMs: (config.timeout ?? defaultTimeouts.timeout) * 1000,
    maxRetries: config.max_retries ?? defaultMaxRetries,
  };
}

/** The vendor host that requires a key, when the config talks to it; undefined when no key is needed. */
export function keyNeededFor(provider: ProviderName, baseUrl: string | undefined): string | undefined {
  const host = keyedHosts[provider];
  if (host === undefined) return undefined;
  if (baseUrl === undefined) return host;
  return new URL(baseUrl).hostname === host ? host : undefined;
}

function normaliseBaseUrl(value: string | null | undefined, label: string): string | undefined {
  const trimmed = nonEmpty(value)?.replace(/\/+$/, '');
  if (trimmed === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new CallError('BAD_INPUT', `${label}: base_url "${trimmed}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CallError('BAD_INPUT', `${label}: base_url must be http:// or https://, not ${url.protocol}`);
  }
  return trimmed;
}

function nonEmpty(value: string | null | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}
