/**
 * @module The `mock` provider: local, deterministic, no network. The embedded default, so branchflow runs
 * with no key; also the tool for testing what happens around a provider (slow streams, failures mid-reply,
 * tool loops: with `tool_calls` configured it calls those tools when offered any, then answers naming the results).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CallError } from '../../../lib/call-error.js';
import { collectCompletion } from '../../transport/collect-completion.js';
import type { MockOptions } from '../../config/config-schema.js';
import type { Connection } from '../../transport/connection.js';
import type { ChatMessage, ChatRequest, Provider, ProviderEvent, ProviderToolCall } from '../../provider.js';

export const mockDefaults = { chunk_size: 8, delay_ms: 0 } as const;

export function createMockProvider(connection: Connection, options: MockOptions = {}): Provider {
  const chunkSize = options.chunk_size ?? mockDefaults.chunk_size;
  const delayMs = options.delay_ms ?? mockDefaults.delay_ms;

  async function* stream(request: ChatRequest, signal: AbortSignal): AsyncGenerator<ProviderEvent, void, undefined> {
    const calls = mockToolCalls(request, options);
    yield { type: 'model', model: connection.model };
    for (const piece of splitText(options.reasoning ?? '', chunkSize)) {
      if (delayMs > 0) await wait(delayMs, signal, connection);
      if (signal.aborted) throw cancelled(connection, signal.reason);
      yield { type: 'reasoning', text: piece };
    }
    if (calls.length > 0) {
      // The tool-call step: no text, the calls, `tool_calls`. fail_after_chunks is about the answer's chunks.
      for (const call of calls) {
        if (delayMs > 0) await wait(delayMs, signal, connection);
        if (signal.aborted) throw cancelled(connection, signal.reason);
        yield { type: 'tool_call', call };
      }
      yield { type: 'finish', reason: 'tool_calls' };
      const usage =
        options.usage === undefined ? estimateUsage(request.messages, calls.map((call) => call.arguments).join('')) : options.usage;
      if (usage !== null) yield { type: 'usage', usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } };
      return;
    }
    const text = options.text ?? mockReply(request.messages);
    const chunks = splitText(text, chunkSize);
    for (const [index, chunk] of chunks.entries()) {
      if (options.fail_after_chunks !== undefined && index === options.fail_after_chunks) throw failure(options, connection);
      if (delayMs > 0) await wait(delayMs, signal, connection);
      if (signal.aborted) throw cancelled(connection, signal.reason);
      yield { type: 'text', text: chunk };
    }
    if (options.fail_after_chunks !== undefined && options.fail_after_chunks >= chunks.length) throw failure(options, connection);
    yield { type: 'finish', reason: options.finish_reason ?? 'stop' };
    const usage = options.usage === undefined ? estimateUsage(request.messages, text) : options.usage;
    if (usage !== null) {
      yield { type: 'usage', usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } };
    }
  }

  return {
    name: 'mock',
    model: connection.model,
    stream: (request, { signal }) => stream(request, signal),
    complete: (request, { signal }) => collectCompletion(stream(request, signal), connection.model),
  };
}

/**
 * The configured calls, when the request offers tools (and does not say `none`) and the conversation ends in
 * a user message: ids `call_mock_1`..., arguments as JSON text (a string is sent as written, e.g. broken JSON).
 * After tool results the model answers instead, so a loop always ends.
 */
export function mockToolCalls(request: ChatRequest, options: MockOptions): ProviderToolCall[] {
  const configured = options.tool_calls ?? [];
  if (configured.length === 0 || (request.tools?.length ?? 0) === 0 || request.tool_choice === 'none') return [];
  if (request.messages.at(-1)?.role !== 'user') return [];
  return configured.map((call, index) => ({
    id: `call_mock_${index + 1}`,
    name: call.name,
    arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments ?? {}),
  }));
}

/**
 * The default reply: derived from the last user message, so a conversation visibly answers what was said;
 * each tool result since then is named after it: `Mock reply to: <text> (tool <name>: <result>)`.
 */
export function mockReply(messages: ChatMessage[]): string {
  const lastUser = messages.findLastIndex((message) => message.role === 'user');
  const last = messages[lastUser]?.content.trim() ?? '';
  const results = messages
    .slice(lastUser + 1)
    .filter((message) => message.role === 'tool')
    .map((message) => ` (tool ${message.tool_name ?? message.tool_call_id ?? ''}: ${shorten(message.content)})`)
    .join('');
  if (last === '') return `Mock reply: there was no user message to answer.${results}`;
  return `Mock reply to: ${shorten(last)}${results}`;
}

function shorten(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** Chunks of `size` characters (code points, so an emoji is never split in half). */
export function splitText(text: string, size: number): string[] {
  const characters = Array.from(text);
  const chunks: string[] = [];
  for (let start = 0; start < characters.length; start += size) chunks.push(characters.slice(start, start + size).join(''));
  return chunks;
}

/** About four characters a token, the usual rule of thumb; enough for cost and budget displays to move. */
function estimateUsage(messages: ChatMessage[], reply: string): { prompt_tokens: number; completion_tokens: number } {
  const tokens = (text: string): number => Math.ceil(Array.from(text).length / 4);
  return {
    prompt_tokens: messages.reduce(
      (sum, message) => sum + tokens(message.content) + (message.tool_calls ?? []).reduce((more, call) => more + tokens(call.arguments), 0),
      0,
    ),
    completion_tokens: tokens(reply),
  };
}

function failure(options: MockOptions, connection: Connection): CallError {
  const message =
    options.fail_message ?? `the mock provider failed after ${options.fail_after_chunks} chunks, as configured (${connection.label})`;
  return new CallError(options.fail_code ?? 'UPSTREAM_FAILED', message, { details: { provider: 'mock' } });
}

async function wait(ms: number, signal: AbortSignal, connection: Connection): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch (error) {
    throw cancelled(connection, error);
  }
}

function cancelled(connection: Connection, cause: unknown): CallError {
  return new CallError('ABORTED', `the request to mock was cancelled (${connection.label})`, { cause });
}
