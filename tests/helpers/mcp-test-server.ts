/**
 * @module A real MCP server for tests, built with the SDK's server side: over stdio when run as a script
 * (`node --import tsx tests/helpers/mcp-test-server.ts`), or over Streamable HTTP on 127.0.0.1 through
 * `startHttpMcpServer()`. Its tools: `add`, `count` (progress messages, then a result), `fail` (an error result),
 * `crash` (the process exits mid-call; stdio only), `hang` (never answers) and `big` (a text of any size).
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

export const testTools = [
  {
    name: 'add',
    description: 'Add two numbers.',
    inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
  },
  {
    name: 'count',
    description: 'Count to a number, reporting each step as progress.',
    inputSchema: { type: 'object', properties: { to: { type: 'integer', minimum: 1, maximum: 20 } }, required: ['to'] },
  },
  { name: 'fail', description: 'Always reports a failure.', inputSchema: { type: 'object', properties: {} } },
  { name: 'crash', description: 'Exits the server process mid-call.', inputSchema: { type: 'object', properties: {} } },
  { name: 'hang', description: 'Never answers.', inputSchema: { type: 'object', properties: {} } },
  {
    name: 'big',
    description: 'Answers a text of the given size.',
    inputSchema: { type: 'object', properties: { size: { type: 'integer', minimum: 1 } }, required: ['size'] },
  },
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function createTestServer(): Server {
  const server = new Server({ name: 'branchflow-test-server', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: testTools }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const args = (request.params.arguments ?? {}) as Record<string, number>;
    switch (request.params.name) {
      case 'add':
        return { content: [{ type: 'text', text: String((args['a'] ?? 0) + (args['b'] ?? 0)) }] };
      case 'count': {
        const token = request.params._meta?.progressToken;
        const to = args['to'] ?? 1;
        for (let step = 1; step <= to; step += 1) {
          if (token !== undefined) {
            await extra.sendNotification({
              method: 'notifications/progress',
              params: { progressToken: token, progress: step, total: to, message: `step ${step}` },
            });
          }
          await sleep(10);
        }
        return { content: [{ type: 'text', text: `counted to ${to}` }] };
      }
      case 'fail':
        return { content: [{ type: 'text', text: 'the tool failed on purpose' }], isError: true };
      case 'crash':
        setTimeout(() => process.exit(3), 5);
        return new Promise(() => undefined);
      case 'hang':
        return new Promise(() => undefined);
      case 'big':
        return { content: [{ type: 'text', text: 'x'.repeat(args['size'] ?? 1) }] };
      default:
        throw new Error(`unknown tool ${request.params.name}`);
    }
  });
  return server;
}

/** Streamable HTTP, stateless: a fresh server and transport per request (the SDK's documented stateless pattern). */
export async function startHttpMcpServer(): Promise<{ url: string; requests: () => number; close(): Promise<void> }> {
  let requests = 0;
  const http: HttpServer = createHttpServer((request, response) => {
    requests += 1;
    const server = createTestServer();
    const transport = new StreamableHTTPServerTransport({});
    response.on('close', () => {
      void transport.close();
      void server.close();
    });
    void server.connect(transport).then(() => transport.handleRequest(request, response));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    requests: () => requests,
    close: () =>
      new Promise((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await createTestServer().connect(new StdioServerTransport());
}
