/**
 * @module OpenAI's chat completion objects, built exactly: the whole reply (`chat.completion`) and the stream's
 * pieces (`chat.completion.chunk`, the usage chunk). Pure functions, so tests compare whole values.
 */

export interface UsageCounts {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** What every object of one answer shares: the same id, creation second and model name. */
export interface CompletionIdentity {
  id: string;
  created: number;
  model: string;
}

export type OpenAiFinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls';

export interface ChatCompletion extends CompletionIdentity {
  object: 'chat.completion';
  choices: [
    {
      index: 0;
      message: { role: 'assistant'; content: string; refusal: null };
      finish_reason: OpenAiFinishReason;
      logprobs: null;
    },
  ];
  usage?: UsageCounts;
}

export type ChunkDelta = { role: 'assistant'; content: '' } | { content: string } | Record<string, never>;

export interface ChatCompletionChunk extends CompletionIdentity {
  object: 'chat.completion.chunk';
  choices: Array<{ index: 0; delta: ChunkDelta; finish_reason: OpenAiFinishReason | null; logprobs: null }>;
  /** Present (null until the last chunk) only when the request asked for `stream_options.include_usage`. */
  usage?: UsageCounts | null;
}

/** Ours are OpenAI's but for `error`, which never reaches a finish: a failure is an error, not a finish reason. */
export function toOpenAiFinishReason(reason: string): OpenAiFinishReason {
  return reason === 'length' || reason === 'content_filter' || reason === 'tool_calls' ? reason : 'stop';
}

export function chatCompletion(
  identity: CompletionIdentity,
  reply: { content: string; finishReason: string; usage: UsageCounts | null },
): ChatCompletion {
  return {
    id: identity.id,
    object: 'chat.completion',
    created: identity.created,
    model: identity.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: reply.content, refusal: null },
        finish_reason: toOpenAiFinishReason(reply.finishReason),
        logprobs: null,
      },
    ],
    ...(reply.usage === null ? {} : { usage: plainUsage(reply.usage) }),
  };
}

export function completionChunk(
  identity: CompletionIdentity,
  delta: ChunkDelta,
  finishReason: OpenAiFinishReason | null,
  includeUsage: boolean,
): ChatCompletionChunk {
  return {
    id: identity.id,
    object: 'chat.completion.chunk',
    created: identity.created,
    model: identity.model,
    choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }],
    ...(includeUsage ? { usage: null } : {}),
  };
}

/** The last chunk when `include_usage` was asked for: OpenAI sends it with an empty `choices`. */
export function usageChunk(identity: CompletionIdentity, usage: UsageCounts): ChatCompletionChunk {
  return {
    id: identity.id,
    object: 'chat.completion.chunk',
    created: identity.created,
    model: identity.model,
    choices: [],
    usage: plainUsage(usage),
  };
}

/** Only the three counts: an event's usage may carry more (cost sits beside it, not in it, but be sure). */
function plainUsage(usage: UsageCounts): UsageCounts {
  return { prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens, total_tokens: usage.total_tokens };
}
