/**
 * @module `data/mcp_servers.json`: the MCP servers whose tools models may use, in the `mcpServers` shape other MCP
 * hosts use (`command`/`args`/`env`/`cwd` for stdio, `url`/`headers` for Streamable HTTP). `${NAME}` placeholders
 * are resolved from the environment like LLM configs, per server, so one server's missing variable leaves the
 * others usable.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CallError } from '../lib/call-error.js';
import { compileSchema } from '../lib/json-schema.js';
import { resolvePlaceholders, type Environment } from '../llm/config/config-placeholders.js';

export const mcpServersFile = 'data/mcp_servers.json';

export type McpServerSpec =
  | { transport: 'stdio'; command: string; args: string[]; env?: Record<string, string>; cwd?: string; timeout_ms?: number }
  | { transport: 'http'; url: string; headers: Record<string, string>; timeout_ms?: number };

/** A server as configured: its spec once its placeholders resolve, else the problem (reported, never thrown at start). */
export interface ConfiguredServer {
  name: string;
  spec?: McpServerSpec;
  error?: CallError;
}

const serverNamePattern = '^[A-Za-z0-9_-]{1,64}$';
const stringMap = { type: 'object', additionalProperties: { type: 'string' } } as const;

const common = { timeout_ms: { type: 'integer', minimum: 1 }, disabled: { type: 'boolean' } } as const;
const stdioServer = {
  type: 'object',
  properties: {
    command: { type: 'string', minLength: 1 },
    args: { type: 'array', items: { type: 'string' } },
    env: stringMap,
    cwd: { type: 'string' },
    ...common,
  },
  required: ['command'],
  additionalProperties: false,
} as const;
const httpServer = {
  type: 'object',
  properties: { url: { type: 'string', pattern: '^(https?://|\\$\\{)' }, headers: stringMap, ...common },
  required: ['url'],
  additionalProperties: false,
} as const;

const fileSchema = compileSchema({
  type: 'object',
  properties: {
    $schema: { type: 'string' },
    mcpServers: {
      type: 'object',
      propertyNames: { pattern: serverNamePattern },
      additionalProperties: { oneOf: [stdioServer, httpServer] },
    },
  },
  required: ['mcpServers'],
});

interface RawServer {
  command?: string;
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
  url?: string;
  headers?: Record<string, string>;
  timeout_ms?: number;
  disabled?: boolean;
}

/** The configured servers (none when the file does not exist). INVALID_FILE, naming the file, when it is malformed. */
export async function readMcpServers(root: string, env: Environment): Promise<ConfiguredServer[]> {
  let text: string;
  try {
    text = await readFile(join(root, mcpServersFile), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new CallError('INVALID_FILE', `${mcpServersFile} cannot be read: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CallError('INVALID_FILE', `${mcpServersFile} is not valid JSON: ${(error as Error).message}`);
  }
  const file = fileSchema.check(json, 'INVALID_FILE', mcpServersFile) as { mcpServers: Record<string, RawServer> };
  return Object.entries(file.mcpServers)
    .filter(([, raw]) => raw.disabled !== true)
    .map(([name, raw]) => configured(name, raw, env));
}

function configured(name: string, raw: RawServer, env: Environment): ConfiguredServer {
  const { value, problems } = resolvePlaceholders(raw, env);
  const problem = problems[0];
  if (problem !== undefined) {
    const what = problem.kind === 'missing' ? `variable ${problem.variable} is not set` : `placeholder ${problem.text} is malformed`;
    return {
      name,
      error: new CallError('INVALID_FILE', `MCP server ${name} in ${mcpServersFile}: ${what} (at /mcpServers/${name}${problem.pointer})`),
    };
  }
  const timeout = value.timeout_ms === undefined ? {} : { timeout_ms: value.timeout_ms };
  if (value.url !== undefined) {
    if (!/^https?:\/\/[^/]/.test(value.url)) {
      return {
        name,
        error: new CallError('INVALID_FILE', `MCP server ${name} in ${mcpServersFile}: url ${value.url} is not an http(s) URL`),
      };
    }
    return { name, spec: { transport: 'http', url: value.url, headers: value.headers ?? {}, ...timeout } };
  }
  return {
    name,
    spec: {
      transport: 'stdio',
      command: value.command ?? '',
      args: value.args ?? [],
      ...(value.env === undefined ? {} : { env: value.env }),
      ...(value.cwd === undefined ? {} : { cwd: value.cwd }),
      ...timeout,
    },
  };
}
