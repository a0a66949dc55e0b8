/**
 * @module Runs the tool calls of one model step, all at once, and gives the messages that carry them into the next
 * model call. Whatever a call meets (arguments that are not JSON or fail the tool's schema, an unknown tool, the
 * tool's own failure, a crashed or hung MCP server, a denial) becomes its result with a status the model reads and
 * can act on; nothing here ends the generation. Each call and result is logged and journalled as it happens.
 */
import type { Generation } from '../../../src/generation/generation.js';
import type { GenerationJournal } from '../../../src/generation/journal.js';
import { toCallError } from '../../../src/lib/call-error.js';
import type { ChatMessage, ProviderToolCall, ReasoningBlock } from '../../../src/llm/provider.js';
import type { StepContext } from '../../../src/registry/define-step.js';
import { executeTool } from '../../../src/modules/tools/call-tool.js';
import { resultText, type ToolCallStatus } from '../../../src/store/index.js';
import { mcpPrefix } from '../../../src/tools/tool-catalog.js';
import type { ToolSet } from './tool-set.js';

/** A result longer than this is cut (with a note saying how much): one tool must not fill the model's context or the file. */
export const maxResultCharacters = 100_000;

export interface ModelStep {
  step: number;
  /** What the model said before its calls, and its reasoning. */
  text: string;
  reasoning: string;
  reasoningBlocks: ReasoningBlock[];
  calls: ProviderToolCall[];
}

export interface ToolRunHost {
  generation: Generation;
  journal: GenerationJournal;
  tools: ToolSet;
  context: StepContext;
}

interface Outcome {
  status: ToolCallStatus;
  result: unknown;
}

/** Runs the step's calls concurrently; answers the assistant message of the step and one `tool` message per call. */
export async function runToolCalls(step: ModelStep, host: ToolRunHost): Promise<ChatMessage[]> {
  const { generation, journal } = host;
  const parsed = step.calls.map((call) => ({
    call,
    name: host.tools.find(call.name)?.name ?? call.name,
    ...parseArguments(call.arguments),
  }));
  for (const { call, name, value } of parsed) {
    const event = {
      type: 'tool_call' as const,
      tool_call_id: call.id,
      tool_name: name,
      arguments: value,
      step: step.step,
      ...(call.thought_signature === undefined ? {} : { thought_signature: call.thought_signature }),
    };
    generation.push(event);
    await journal.writeEvent(event).catch(() => undefined);
  }
  const results = await Promise.all(
    parsed.map(async (entry) => {
      const startedAt = new Date();
      const outcome = await runOne(entry, host);
      const event = {
        type: 'tool_result' as const,
        tool_call_id: entry.call.id,
        status: outcome.status,
        result: capped(outcome.result),
        started_at: startedAt.toISOString(),
        duration_ms: Date.now() - startedAt.getTime(),
      };
      generation.push(event);
      // Checkpointed at once: a tool may have side effects, and a crash must not make it run twice.
      await journal.writeEvent(event).catch(() => undefined);
      return event;
    }),
  );
  return [
    {
      role: 'assistant',
      content: step.text,
      ...(step.reasoning === '' ? {} : { reasoning: step.reasoning }),
      ...(step.reasoningBlocks.length === 0 ? {} : { reasoning_blocks: step.reasoningBlocks }),
      tool_calls: step.calls,
    },
    ...results.map((result, index): ChatMessage => ({
      role: 'tool',
      content: resultText(result.result),
      tool_call_id: result.tool_call_id,
      tool_name: step.calls[index]!.name,
      ...(result.status === 'ok' ? {} : { is_error: true }),
    })),
  ];
}

async function runOne(
  entry: { call: ProviderToolCall; name: string; args?: Record<string, unknown>; problem?: string },
  host: ToolRunHost,
): Promise<Outcome> {
  const { generation, tools, context } = host;
  if (entry.problem !== undefined)
    return { status: 'error', result: `the arguments of ${entry.name} ${entry.problem}; call it again with a JSON object` };
  const tool = tools.find(entry.call.name);
  if (!tool)
    return {
      status: 'error',
      result: `there is no tool ${entry.call.name}; the tools offered are ${tools.specs.map((spec) => spec.name).join(', ')}`,
    };
  if (generation.signal.aborted) return stopped(tool.name);
  if (tools.needsApproval(tool.name)) {
    const denied = await askApproval(entry.call.id, tool.name, entry.args!, host);
    if (denied) return denied;
  }
  try {
    const result = await executeTool(
      tool.name,
      entry.args!,
      {
        signal: generation.signal,
        ...(tools.timeoutMs === undefined ? {} : { timeoutMs: tools.timeoutMs }),
        onProgress: (content) => generation.push({ type: 'tool_stream_chunk', tool_call_id: entry.call.id, content }),
      },
      context,
    );
    if (result.is_error) return { status: 'error', result: result.text };
    return { status: 'ok', result: tool.name.startsWith(mcpPrefix) ? result.text : (JSON.parse(result.text) as unknown) };
  } catch (error) {
    if (generation.signal.aborted) return stopped(tool.name);
    const callError = toCallError(error);
    if (callError.code === 'UPSTREAM_TIMEOUT') return { status: 'timeout', result: callError.message };
    return { status: 'error', result: callError.code === 'INTERNAL' ? `tool ${tool.name} failed` : callError.message };
  }
}

/** Pauses on the call until a person answers; a denial (or no answer in time) is the result. */
async function askApproval(toolCallId: string, name: string, args: unknown, host: ToolRunHost): Promise<Outcome | undefined> {
  const { generation, tools } = host;
  const waiting = generation.approvals.wait(toolCallId, tools.approvalTimeoutMs, generation.signal);
  generation.push({
    type: 'tool_approval',
    generation_id: generation.id,
    tool_call_id: toolCallId,
    tool_name: name,
    arguments: args,
    expires_at: new Date(Date.now() + tools.approvalTimeoutMs).toISOString(),
  });
  const outcome = await waiting;
  if (outcome === 'aborted') return stopped(name);
  if (outcome === 'timeout')
    return { status: 'denied', result: `the call of ${name} was not approved within ${tools.approvalTimeoutMs} ms` };
  if (outcome.approve) return undefined;
  return { status: 'denied', result: `the user denied the call of ${name}${outcome.reason ? `: ${outcome.reason}` : ''}` };
}

function stopped(name: string): Outcome {
  return { status: 'aborted', result: `the generation was stopped while ${name} ran` };
}

/** The model's argument text, parsed; a problem in words when it is not a JSON object. */
function parseArguments(text: string): { value: unknown; args?: Record<string, unknown>; problem?: string } {
  if (text.trim() === '') return { value: {}, args: {} };
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return { value, args: value as Record<string, unknown> };
    return { value, problem: 'are not a JSON object' };
  } catch (error) {
    return { value: text, problem: `are not valid JSON (${(error as Error).message})` };
  }
}

function capped(result: unknown): unknown {
  const text = typeof result === 'string' ? result : undefined;
  const length = text?.length ?? (result === undefined ? 0 : JSON.stringify(result).length);
  if (length <= maxResultCharacters) return result;
  const whole = text ?? JSON.stringify(result);
  return `${whole.slice(0, maxResultCharacters)}\n[cut: ${whole.length - maxResultCharacters} more characters]`;
}
