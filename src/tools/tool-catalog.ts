/**
 * @module The MCP side of the tools a model may use: the servers of `data/mcp_servers.json` (re-read when it changes),
 * one connection each, their tools named `mcp:<server>/<tool>`, and calls checked against each tool's own schema.
 * Step tools (`defineStep({ tool: true })`) are listed and run by the `modules/tools/*` steps through the registry.
 * It may import src/lib/ and src/llm/config/ (placeholders) only.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CallError } from '../lib/call-error.js';
import { compileSchema, type CompiledSchema } from '../lib/json-schema.js';
import type { Logger } from '../lib/logger.js';
import type { Environment } from '../llm/config/config-placeholders.js';
import { McpConnection, type McpTool, type ServerStatus } from './mcp-connection.js';
import { mcpServersFile, readMcpServers, type ConfiguredServer } from './mcp-servers-file.js';
import { errorResult, type ToolResult } from './tool-result.js';

export const mcpPrefix = 'mcp:';

export interface ServerSummary {
  name: string;
  transport: 'stdio' | 'http' | null;
  status: ServerStatus | 'misconfigured';
  tools: string[];
  restarts: number;
  last_error: string | null;
}

export interface CatalogTool extends McpTool {
  /** `mcp:<server>/<tool>` */
  full_name: string;
  server: string;
}

export interface CatalogOptions {
  root: string;
  env: Environment;
  logger: Logger;
}

export class ToolCatalog {
  #options: CatalogOptions;
  #connections = new Map<string, { key: string; connection: McpConnection }>();
  #configured: ConfiguredServer[] = [];
  #fileVersion: string | undefined;
  #validators = new Map<string, CompiledSchema>();
  #refreshing: Promise<ConfiguredServer[]> | undefined;

  constructor(options: CatalogOptions) {
    this.#options = options;
  }

  /** Every configured server with its state; listing starts each server to learn its tools. */
  async servers(signal?: AbortSignal): Promise<ServerSummary[]> {
    const configured = await this.#refresh();
    return Promise.all(
      configured.map(async (server): Promise<ServerSummary> => {
        const connection = this.#connections.get(server.name)?.connection;
        if (!connection)
          return {
            name: server.name,
            transport: null,
            status: 'misconfigured',
            tools: [],
            restarts: 0,
            last_error: server.error?.message ?? null,
          };
        const tools = await connection.tools(signal).catch(() => []);
        return {
          name: server.name,
          transport: connection.spec.transport,
          status: connection.status,
          tools: tools.map((tool) => tool.name),
          restarts: connection.restarts,
          last_error: connection.lastError ?? null,
        };
      }),
    );
  }

  /** The tools of every server that answers; a server that does not contributes none (its error is in `servers()`). */
  async tools(signal?: AbortSignal): Promise<CatalogTool[]> {
    await this.#refresh();
    const lists = await Promise.all(
      [...this.#connections.values()].map(async ({ connection }) =>
        (await connection.tools(signal).catch(() => [])).map((tool) => ({
          ...tool,
          server: connection.name,
          full_name: `${mcpPrefix}${connection.name}/${tool.name}`,
        })),
      ),
    );
    return lists.flat();
  }

  /**
   * Runs `mcp:<server>/<tool>`. Arguments that fail the tool's schema come back as an error result naming the field,
   * so a model can correct itself; an unknown server or tool is NOT_FOUND; a server that fails throws its CallError.
   */
  async call(
    fullName: string,
    args: Record<string, unknown>,
    options: { signal: AbortSignal; timeoutMs?: number; onProgress?: (message: string) => void },
  ): Promise<ToolResult> {
    const { server, tool } = splitName(fullName);
    await this.#refresh();
    const configured = this.#configured.find((entry) => entry.name === server);
    if (configured?.error) throw configured.error;
    const connection = this.#connections.get(server)?.connection;
    if (!connection) throw new CallError('NOT_FOUND', `no MCP server ${server} in ${mcpServersFile}`);
    const described = (await connection.tools(options.signal)).find((entry) => entry.name === tool);
    if (!described) throw new CallError('NOT_FOUND', `MCP server ${server} has no tool ${tool}`);
    try {
      this.#validator(fullName, described).check(args, 'BAD_INPUT', `arguments of ${fullName}`);
    } catch (error) {
      return errorResult((error as Error).message);
    }
    return connection.call(tool, args, {
      signal: options.signal,
      timeoutMs: options.timeoutMs ?? connection.spec.timeout_ms ?? 60_000,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  }

  async close(): Promise<void> {
    const connections = [...this.#connections.values()];
    this.#connections.clear();
    await Promise.all(connections.map(({ connection }) => connection.close()));
  }

  #validator(fullName: string, tool: McpTool): CompiledSchema {
    const key = `${fullName}\n${JSON.stringify(tool.parameters)}`;
    let validator = this.#validators.get(key);
    if (!validator) this.#validators.set(key, (validator = compileSchema(tool.parameters, { foreign: true })));
    return validator;
  }

  /** Re-reads the servers file when it changed; one refresh at a time, so a server never gets two connections. */
  #refresh(): Promise<ConfiguredServer[]> {
    const previous = this.#refreshing ?? Promise.resolve([]);
    const next = previous.catch(() => []).then(() => this.#reload());
    this.#refreshing = next;
    return next;
  }

  /** A server whose settings changed is closed and started anew on its next use. */
  async #reload(): Promise<ConfiguredServer[]> {
    const { root, env, logger } = this.#options;
    const version = await stat(join(root, mcpServersFile)).then(
      (stats) => `${stats.mtimeMs}:${stats.size}:${stats.ino}`,
      () => 'absent',
    );
    if (version === this.#fileVersion) return this.#configured;
    const configured = await readMcpServers(root, env);
    const wanted = new Map(configured.flatMap((server) => (server.spec ? [[server.name, server.spec] as const] : [])));
    for (const [name, { key, connection }] of this.#connections) {
      const spec = wanted.get(name);
      if (spec === undefined || JSON.stringify(spec) !== key) {
        this.#connections.delete(name);
        await connection.close();
      }
    }
    for (const [name, spec] of wanted) {
      if (!this.#connections.has(name))
        this.#connections.set(name, { key: JSON.stringify(spec), connection: new McpConnection(name, spec, root, logger) });
    }
    this.#configured = configured;
    this.#fileVersion = version;
    return configured;
  }
}

export function splitName(fullName: string): { server: string; tool: string } {
  const match = /^mcp:([^/]+)\/(.+)$/.exec(fullName);
  if (!match) throw new CallError('BAD_INPUT', `${fullName} is not an MCP tool name (mcp:<server>/<tool>)`);
  return { server: match[1] ?? '', tool: match[2] ?? '' };
}
