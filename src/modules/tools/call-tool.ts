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

export interface ToolRunOptions {
  signal: AbortSignal;
  timeoutMs?: number;
  /** MCP progress messages while the tool runs. */
  onProgress?: (message: string) => void;
}

/**
 * Runs a tool; its failures are thrown as they are (CallErrors), for callers that tell them apart (the completion
 * loop marks a timeout as such). A step tool's timeout is an abort of its call, thrown as UPSTREAM_TIMEOUT.
 */
export async function executeTool(
  name: string,
  args: Record<string, unknown>,
  options: ToolRunOptions,
  context: StepContext,
): Promise<ToolResult> {
  if (name.startsWith(mcpPrefix)) {
    return context.services.tools.call(name, args, {
      signal: options.signal,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  }
  const step = context.listSteps().find((candidate) => candidate.path === name);
  if (!step || step.tool !== true || step.kind !== 'plain') throw new CallError('NOT_FOUND', `no tool ${name} (see modules/tools/list)`);
  const timeoutMs = options.timeoutMs ?? stepToolTimeoutMs;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = AbortSignal.any([options.signal, timeout]);
  try {
    // Raced against the signal: a step that ignores its signal must not hold the loop past its timeout.
    return jsonResult(await untilAborted(context.call(name, args, { signal }), signal, name));
  } catch (error) {
    if (timeout.aborted && !options.signal.aborted)
      throw new CallError('UPSTREAM_TIMEOUT', `tool ${name} did not answer within ${timeoutMs} ms`);
    throw error;
  }
}

const stepToolTimeoutMs = 60_000;

function untilAborted<T>(work: Promise<T>, signal: AbortSignal, name: string): Promise<T> {
  if (signal.aborted) return Promise.reject(new CallError('ABORTED', `tool ${name} was stopped`));
  return new Promise<T>((resolve, reject) => {
    const stop = (): void => reject(new CallError('ABORTED', `tool ${name} was stopped`));
    signal.addEventListener('abort', stop, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', stop));
  });
}

export async function runTool(input: CallInput, context: StepContext): Promise<ToolResult> {
  try {
    return await executeTool(
      input.name,
      input.arguments,
      { signal: context.signal, ...(input.timeout_ms === undefined ? {} : { timeoutMs: input.timeout_ms }) },
      context,
    );
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
