/**
 * @module The `mock` provider: local, deterministic, no network. The embedded default, so branchflow runs
 * with no key; also the tool for testing what happens around a provider (slow streams, failures mid-reply).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CallError } from '../../../lib/call-error.js';
import { collectCompletion } from '../../transport/collect-completion.js';
import type { MockOptions } from '../../config/config-schema.js';
import type { Connection } from '../../transport/connection.js';
import type { ChatMessage, ChatRequest, Provider, ProviderEvent } from '../../provider.js';

export const mockDefaults = { chunk_size: 8, delay_ms: 0 } as const;

export function createMockProvider(connection: Connection, options: MockOptions = {}): Provider {
  const chunkSize = options.chunk_size ?? mockDefaults.chunk_size;
  const delayMs = options.delay_ms ?? mockDefaults.delay_ms;

  async function* stream(request: ChatRequest, signal: AbortSignal): AsyncGenerator<ProviderEvent, void, undefined> {
    const text = options.text ?? mockReply(request.messages);
    const chunks = splitText(text, chunkSize);
    yield { type: 'model', model: connection.model };
    for (const piece of splitText(options.reasoning ?? '', chunkSize)) {
      if (delayMs > 0) await wait(delayMs, signal, connection);
      if (signal.aborted) throw cancelled(connection, signal.reason);
      yield { type: 'reasoning', text: piece };
    }
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

/** The default reply: derived from the last user message, so a conversation visibly answers what was said. */
export function mockReply(messages: ChatMessage[]): string {
  const last = messages.findLast((message) => message.role === 'user')?.content.trim() ?? '';
  const quoted = last.length > 200 ? `${last.slice(0, 200)}…` : last;
  return quoted === '' ? 'Mock reply: there was no user message to answer.' : `Mock reply to: ${quoted}`;
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
    prompt_tokens: messages.reduce((sum, message) => sum + tokens(message.content), 0),
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
