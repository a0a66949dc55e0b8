/** @module `modules/tools/servers`: each MCP server of data/mcp_servers.json: its state, its tools, its last error. */
import { defineStep } from '../../registry/define-step.js';
import type { ServerSummary } from '../../tools/tool-catalog.js';

export const listServers = defineStep<Record<string, never>, { success: true; servers: ServerSummary[] }>({
  path: 'modules/tools/servers',
  summary: 'List the MCP servers of data/mcp_servers.json with their status, tools and last error (listing starts them).',
  input: { type: 'object', properties: {}, additionalProperties: false },
  output: {
    type: 'object',
    properties: {
      success: { const: true },
      servers: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            transport: { enum: ['stdio', 'http', null] },
            status: { enum: ['idle', 'starting', 'running', 'crashed', 'closed', 'misconfigured'] },
            tools: { type: 'array', items: { type: 'string' } },
            restarts: { type: 'integer' },
            last_error: { type: ['string', 'null'] },
          },
          required: ['name', 'transport', 'status', 'tools', 'restarts', 'last_error'],
          additionalProperties: false,
        },
      },
    },
    required: ['success', 'servers'],
  },
  async run(_input, context) {
    return { success: true, servers: await context.services.tools.servers(context.signal) };
  },
});
