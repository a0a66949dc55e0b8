/**
 * @module An assistant turn's tool calls, kept on its node as `tool_steps` (one assistant node per turn, so branch
 * operations move whole turns), and their expansion into the messages a provider is sent next time: per step an
 * assistant message with its calls, then one `tool` message per result. What a person edits in a result is what
 * the model sees.
 */

export type ToolCallStatus = 'ok' | 'error' | 'aborted' | 'denied' | 'timeout';

/** One call as the node keeps it. `arguments` is the parsed object, or the model's raw text when it was not JSON. */
export interface ToolCallRecord {
  id: string;
  /** The engine's name: a step path (`modules/tools/current_time`) or `mcp:<server>/<tool>`. */
  name: string;
  arguments: unknown;
  /** Gemini's signature for this call; goes back on the call's part. */
  thought_signature?: string;
  status: ToolCallStatus;
  /** What the model is given: a step's JSON output, an MCP server's text, or the error message. */
  result: unknown;
  started_at?: string;
  duration_ms?: number;
  [field: string]: unknown;
}

/** One model step that ended in tool calls: what it said before them, its reasoning, and the calls. */
export interface ToolStep {
  content?: string;
  reasoning?: string;
  tool_calls: ToolCallRecord[];
  [field: string]: unknown;
}

/** The shape openai_messages gives a provider (engine tool names; the workflow maps them to provider-safe ones). */
export interface ToolCallMessage {
  id: string;
  name: string;
  /** JSON text. */
  arguments: string;
  thought_signature?: string;
}

export interface StepMessages {
  assistant: { role: 'assistant'; content: string; reasoning?: string; tool_calls: ToolCallMessage[] };
  results: Array<{ role: 'tool'; content: string; tool_call_id: string; tool_name: string; is_error?: boolean }>;
}

/** A node's `tool_steps`, when it holds a well-formed list (the schema checks the file; this guards direct callers). */
export function toolStepsOf(node: Record<string, unknown>): ToolStep[] {
  const steps = node['tool_steps'];
  return Array.isArray(steps) ? (steps as ToolStep[]).filter((step) => Array.isArray(step?.tool_calls)) : [];
}

/** The messages one stored step stands for in the next request. */
export function stepMessages(step: ToolStep): StepMessages {
  return {
    assistant: {
      role: 'assistant',
      content: typeof step.content === 'string' ? step.content : '',
      ...(typeof step.reasoning === 'string' && step.reasoning !== '' ? { reasoning: step.reasoning } : {}),
      tool_calls: step.tool_calls.map((call) => ({
        id: call.id,
        name: call.name,
        arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments ?? {}),
        ...(typeof call.thought_signature === 'string' ? { thought_signature: call.thought_signature } : {}),
      })),
    },
    results: step.tool_calls.map((call) => ({
      role: 'tool',
      content: resultText(call.result),
      tool_call_id: call.id,
      tool_name: call.name,
      ...(call.status === 'ok' ? {} : { is_error: true }),
    })),
  };
}

/** A result as the model reads it: text as is, anything else as JSON. */
export function resultText(result: unknown): string {
  if (typeof result === 'string') return result;
  return result === undefined ? '' : JSON.stringify(result);
}
