/**
 * @module `modules/tools/call`: runs one tool by name, as a model's tool call would. What the model should see (bad
 * arguments, the tool's own failure, a server that crashed or hung) is a result with `is_error`; only a name that
 * names no tool (NOT_FOUND) or an abort fails the call.
 */
import { CallError, isCallError } from '../../lib/call-error.js';
import { defineStep, type StepContext } from '../../registry/define-step.js';
import { errorResult, jsonResult, type ToolResult } from '../../tools/tool-result.js';
import { mcpPrefix } from '../../tools/tool-catalog.js';
import { toolResultSchema } from './tool-schemas.js';

interface CallInput {
  name: string;
  arguments: Record<string, unknown>;
  timeout_ms?: number;
}

export async function runTool(input: CallInput, context: StepContext): Promise<ToolResult> {
  try {
    if (input.name.startsWith(mcpPrefix)) {
      return await context.services.tools.call(input.name, input.arguments, {
        signal: context.signal,
        ...(input.timeout_ms === undefined ? {} : { timeoutMs: input.timeout_ms }),
      });
    }
    const step = context.listSteps().find((candidate) => candidate.path === input.name);
    if (!step || step.tool !== true || step.kind !== 'plain')
      throw new CallError('NOT_FOUND', `no tool ${input.name} (see modules/tools/list)`);
    return jsonResult(await context.call(input.name, input.arguments));
  } catch (error) {
    if (!isCallError(error) || error.code === 'NOT_FOUND' || error.code === 'ABORTED' || context.signal.aborted) throw error;
    return errorResult(error.message);
  }
}

export const callTool = defineStep<CallInput, { success: true; result: ToolResult }>({
  path: 'modules/tools/call',
  summary: 'Run one tool (a step path or mcp:<server>/<tool>) with arguments; failures the model should see come back as is_error.',
  input: {
    type: 'object',
    properties: {
      name: { type: 'string', minLength: 1 },
      arguments: { type: 'object', default: {} },
      timeout_ms: { type: 'integer', minimum: 1 },
    },
    required: ['name'],
    additionalProperties: false,
  },
  output: { type: 'object', properties: { success: { const: true }, result: toolResultSchema }, required: ['success', 'result'] },
  async run(input, context) {
    return { success: true, result: await runTool(input, context) };
  },
});
