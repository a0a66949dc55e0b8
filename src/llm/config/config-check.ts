/**
 * @module Checking a config's content: the schema (INVALID_FILE with the pointer for a file, BAD_INPUT for an
 * inline config), `${ENV}` placeholders (resolved only for files), the provider name, unknown fields.
 */
import { CallError } from '../../lib/call-error.js';
import { compileSchema } from '../../lib/json-schema.js';
import { resolvePlaceholders, type Environment, type PlaceholderProblem } from './config-placeholders.js';
import { knownConfigFields, llmConfigSchema, supportedProviders, type LlmConfig, type ProviderName } from './config-schema.js';

export interface LoadedConfig {
  /** Root-relative path of the file, or null for a config passed inline. */
  file: string | null;
  /** How messages name it: `config data/llm_configs/x.json` or `inline config`. */
  label: string;
  /** The content with placeholders resolved (unknown fields kept). Holds the key: never log or return it. */
  config: LlmConfig & { provider: ProviderName };
  unknownFields: string[];
}

const validator = compileSchema(llmConfigSchema);

/** A config file's parsed JSON, checked and resolved against `env`. */
export function checkConfigFile(raw: unknown, file: string, env: Environment): LoadedConfig {
  const label = `config ${file}`;
  validator.check(raw, 'INVALID_FILE', `config file ${file}`);
  const { value, problems } = resolvePlaceholders(raw as LlmConfig, env);
  const malformed = problems.filter((problem) => problem.kind === 'malformed');
  if (malformed.length > 0) {
    throw new CallError(
      'INVALID_FILE',
      `config file ${file} has a placeholder that cannot be resolved: ${list(malformed)}; write \${NAME} or \${NAME:-default}`,
      { details: malformed.map((problem) => ({ field: problem.pointer, message: `bad placeholder ${problem.text}` })) },
    );
  }
  if (problems.length > 0) throw missingVariables(problems, file);
  return finish(value, file, label);
}

/**
 * A config passed in a call. Placeholders are refused, not resolved: resolving them would let any caller
 * read the server's environment (a key sent to a base_url of its choosing, or echoed back as the model).
 */
export function checkInlineConfig(raw: unknown): LoadedConfig {
  const label = 'inline config';
  validator.check(raw, 'BAD_INPUT', label);
  const { problems } = resolvePlaceholders(raw, {});
  if (problems.length > 0) {
    throw new CallError(
      'BAD_INPUT',
      `an inline config cannot use \${...} placeholders (${list(problems)}): they are resolved only in config files under data/llm_configs/`,
      { details: problems.map((problem) => ({ field: `/config${problem.pointer}`, message: 'placeholder not allowed' })) },
    );
  }
  return finish(structuredClone(raw as LlmConfig), null, label);
}

function finish(config: LlmConfig, file: string | null, label: string): LoadedConfig {
  if (!(supportedProviders as readonly string[]).includes(config.provider)) {
    throw new CallError(
      'BAD_INPUT',
      `${label}: provider "${config.provider}" is not supported; use one of ${supportedProviders.join(', ')}`,
      { details: { field: '/provider', supported: supportedProviders } },
    );
  }
  const unknownFields = Object.keys(config).filter((field) => !knownConfigFields.has(field));
  return { file, label, config: config as LoadedConfig['config'], unknownFields };
}

function missingVariables(problems: PlaceholderProblem[], file: string): CallError {
  const names = [...new Set(problems.map((problem) => problem.variable))];
  const subject = names.length === 1 ? `the environment variable ${names[0]}` : `the environment variables ${names.join(', ')}`;
  return new CallError(
    'BAD_INPUT',
    `config ${file} needs ${subject} (${list(problems)}), which ${names.length === 1 ? 'is' : 'are'} not set; ` +
      'set it in the environment or in .env at the root, or give a default with ${NAME:-default}',
    { details: { file, variables: problems.map(({ variable, pointer }) => ({ variable, field: pointer })) } },
  );
}

function list(problems: PlaceholderProblem[]): string {
  return problems.map((problem) => `${problem.text} at ${problem.pointer || '/'}`).join(', ');
}
