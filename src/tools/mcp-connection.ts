/**
 * @module One MCP server, through the official SDK client: started on first use, its tool list cached while it runs,
 * restarted on the next call after it crashed or closed, and closed at shutdown. A call that the server never answers
 * (it hangs, or dies mid-call) ends in an error naming the server, never a hang of the caller.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { CallError } from '../lib/call-error.js';
import type { Logger } from '../lib/logger.js';
import type { McpServerSpec } from './mcp-servers-file.js';
import { contentText, type ToolResult } from './tool-result.js';

export type ServerStatus = 'idle' | 'starting' | 'running' | 'crashed' | 'closed';

export interface McpTool {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export interface McpCallOptions {
  signal: AbortSignal;
  timeoutMs: number;
  /** Progress messages the server sends while the call runs (MCP `notifications/progress`). */
  onProgress?: (message: string) => void;
}

const defaultTimeoutMs = 60_000;
const clientInfo = { name: 'branchflow', version: '0.1.0' };

export class McpConnection {
  readonly name: string;
  readonly spec: McpServerSpec;
  #logger: Logger;
  #root: string;
  #client: Client | undefined;
  #starting: Promise<Client> | undefined;
  #tools: McpTool[] | undefined;
  #status: ServerStatus = 'idle';
  #lastError: string | undefined;
  #restarts = 0;

  constructor(name: string, spec: McpServerSpec, root: string, logger: Logger) {
    this.name = name;
    this.spec = spec;
    this.#root = root;
    this.#logger = logger;
  }

  get status(): ServerStatus {
    return this.#status;
  }

  get lastError(): string | undefined {
    return this.#lastError;
  }

  get restarts(): number {
    return this.#restarts;
  }

  /** The tools the server offers (starting it if needed). */
  async tools(signal?: AbortSignal): Promise<McpTool[]> {
    const client = await this.#connected();
    if (this.#tools) return this.#tools;
    const listed = await this.#guard(
      client.listTools(undefined, { timeout: this.#timeout(), ...(signal ? { signal } : {}) }),
      'listing its tools',
      signal,
    );
    this.#tools = listed.tools.map((tool) => ({
      name: tool.name,
      description: tool.description ?? '',
      parameters: tool.inputSchema,
    }));
    return this.#tools;
  }

  /** Runs one tool. A result the server marks `isError` is returned as such; a failure of the server throws. */
  async call(tool: string, args: Record<string, unknown>, options: McpCallOptions): Promise<ToolResult> {
    const client = await this.#connected();
    const onProgress = options.onProgress;
    const result = await this.#guard(
      client.callTool({ name: tool, arguments: args }, undefined, {
        signal: options.signal,
        timeout: options.timeoutMs,
        resetTimeoutOnProgress: false,
        ...(onProgress
          ? { onprogress: ({ message }: { message?: string | undefined }) => message !== undefined && onProgress(message) }
          : {}),
      }),
      `running ${tool}`,
      options.signal,
    );
    const content = Array.isArray(result.content) ? (result.content as unknown[]) : [];
    return { content, text: contentText(content), is_error: result.isError === true };
  }

  async close(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    this.#starting = undefined;
    this.#tools = undefined;
    this.#status = 'closed';
    await client?.close().catch(() => undefined);
  }

  #timeout(): number {
    return this.spec.timeout_ms ?? defaultTimeoutMs;
  }

  async #connected(): Promise<Client> {
    if (this.#client) return this.#client;
    this.#starting ??= this.#start().finally(() => (this.#starting = undefined));
    return this.#starting;
  }

  async #start(): Promise<Client> {
    if (this.#status === 'crashed') this.#restarts += 1;
    this.#status = 'starting';
    const client = new Client(clientInfo);
    const transport = this.#transport();
    // The SDK reports a transport that ends (a server process that exits) through onclose: the next use restarts it.
    client.onclose = () => {
      if (this.#client !== client) return;
      this.#client = undefined;
      this.#tools = undefined;
      if (this.#status !== 'closed') {
        this.#status = 'crashed';
        this.#lastError ??= `MCP server ${this.name} closed its connection`;
        this.#logger.warn('MCP server stopped; it is restarted on its next use', { server: this.name });
      }
    };
    try {
      await client.connect(transport, { timeout: this.#timeout() });
    } catch (error) {
      this.#status = 'crashed';
      this.#lastError = `MCP server ${this.name} could not be started: ${(error as Error).message}`;
      await client.close().catch(() => undefined);
      throw new CallError('UPSTREAM_FAILED', this.#lastError, { cause: error });
    }
    this.#client = client;
    this.#status = 'running';
    this.#lastError = undefined;
    return client;
  }

  #transport(): Transport {
    const spec = this.spec;
    if (spec.transport === 'http') {
      return new StreamableHTTPClientTransport(new URL(spec.url), { requestInit: { headers: spec.headers } });
    }
    return new StdioClientTransport({
      command: spec.command,
      args: spec.args,
      env: { ...getDefaultEnvironment(), ...spec.env },
      cwd: spec.cwd ?? this.#root,
      stderr: 'ignore',
    });
  }

  /** Turns whatever the SDK throws into a CallError naming the server and what it was doing; notes a dead server. */
  async #guard<Value>(work: Promise<Value>, doing: string, signal?: AbortSignal): Promise<Value> {
    try {
      return await work;
    } catch (error) {
      const message = (error as Error).message;
      if (signal?.aborted) throw new CallError('ABORTED', `${doing} on MCP server ${this.name} was aborted`, { cause: error });
      const timedOut = /timed out|timeout/i.test(message);
      const text = `MCP server ${this.name} failed while ${doing}: ${message}`;
      this.#lastError = text;
      // A server that let a call time out may be stuck: it is stopped, and started afresh on its next use.
      if (timedOut) await this.#stopStuck();
      if (!this.#client) this.#status = 'crashed';
      throw new CallError(timedOut ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_FAILED', text, { cause: error });
    }
  }

  async #stopStuck(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    this.#tools = undefined;
    this.#status = 'crashed';
    await client?.close().catch(() => undefined);
  }
}
