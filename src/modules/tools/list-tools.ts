/** @module `modules/tools/list`: every tool a model may be given: steps that opted in (`tool: true`) and MCP servers' tools. */
import { defineStep, type StepContext } from '../../registry/define-step.js';
import { listedToolSchema, type ListedTool } from './tool-schemas.js';

export async function availableTools(context: StepContext): Promise<ListedTool[]> {
  const steps = context
    .listSteps()
    .filter((step) => step.tool === true && step.kind === 'plain')
    .map((step): ListedTool => ({
      name: step.path,
      description: step.description ?? step.summary,
      parameters: { ...step.input },
      origin: { kind: 'step', path: step.path },
    }));
  const mcp = (await context.services.tools.tools(context.signal)).map((tool): ListedTool => ({
    name: tool.full_name,
    description: tool.description,
    parameters: tool.parameters,
    origin: { kind: 'mcp', server: tool.server },
  }));
  return [...steps, ...mcp];
}

export const listTools = defineStep<Record<string, never>, { success: true; tools: ListedTool[] }>({
  path: 'modules/tools/list',
  summary: 'List every tool a model may use: steps marked as tools and the tools of the MCP servers in data/mcp_servers.json.',
  input: { type: 'object', properties: {}, additionalProperties: false },
  output: {
    type: 'object',
    properties: { success: { const: true }, tools: { type: 'array', items: listedToolSchema } },
    required: ['success', 'tools'],
  },
  async run(_input, context) {
    return { success: true, tools: await availableTools(context) };
  },
});
