/**
 * @module A fake OpenAI chat-completions server for tests and benchmarks, speaking the real wire format:
 * `POST <anything>/chat/completions` answers JSON, or with `"stream": true` SSE chunks (a role delta with
 * `content: null`, text deltas, a finish chunk, the usage chunk when `stream_options.include_usage`, then
 * `data: [DONE]`). Errors are `{"error": {message, type, param, code}}`; a 401's message quotes the bearer
 * token in full, as a careless proxy would, so tests can check that branchflow masks it. `reasoningChunks` stream
 * as `reasoning_content` deltas (DeepSeek) or `reasoning` (vLLM, OpenRouter) before the text. `toolCalls` come
 * after the text as `delta.tool_calls` fragments (the first with index, id, type and name, then the argument
 * pieces; `interleaveToolCalls` sends parallel calls' fragments round-robin), or as `message.tool_calls`.
 * Like DeepSeek in thinking mode, the model `deepseek-reasoner` answers 400 to a request whose assistant
 * message carries `reasoning_content` on an ordinary turn, and to one where a turn that made tool calls lacks it.
 *
 *   const server = await startFakeOpenAi();
 *   // config: { provider: 'openai_compatible', base_url: server.baseUrl, model: 'gpt-test' }
 *   server.defaultReply = { chunks: ['Hel', 'lo'], finishReason: 'length', usage: { prompt: 3, completion: 2 } };
 *   server.enqueue({ status: 500 }, { hangAfterChunks: 1 });
 * Every FakeReply option (latency, hangs, drops, malformed frames, raw bodies) is described in fake-server.ts.
 */
import {
  argumentPieces,
  replyPieces,
  replyUsage,
  startFakeServer,
  type FakeReply,
  type FakeServer,
  type Frame,
  type RecordedRequest,
} from './fake-server.js';

export type { FakeReply, FakeServer, RecordedRequest } from './fake-server.js';

const errorTypes: Record<number, [type: string, code: string | null]> = {
  400: ['invalid_request_error', null],
  401: ['invalid_request_error', 'invalid_api_key'],
  403: ['invalid_request_error', 'unsupported_country_region_territory'],
  404: ['invalid_request_error', 'model_not_found'],
  429: ['requests', 'rate_limit_exceeded'],
};

export function startFakeOpenAi(): Promise<FakeServer> {
  return startFakeServer({
    versionPath: '/v1',
    separator: '\n\n',
    route(request) {
      if (request.method !== 'POST' || !request.url.split('?')[0]!.endsWith('/chat/completions')) return null;
      return { stream: bodyOf(request).stream === true };
    },
    reject(request) {
      const body = bodyOf(request);
      const messages = Array.isArray(body.messages) ? (body.messages as Array<Record<string, unknown>>) : [];
      if (body.model !== 'deepseek-reasoner') return undefined;
      const toolTurn = (message: Record<string, unknown>): boolean => Array.isArray(message.tool_calls) && message.tool_calls.length > 0;
      if (messages.some((message) => message.role === 'assistant' && !toolTurn(message) && 'reasoning_content' in message)) {
        return { status: 400, message: deepseekReasonerRefusal };
      }
      if (messages.some((message) => message.role === 'assistant' && toolTurn(message) && typeof message.reasoning_content !== 'string')) {
        return { status: 400, message: deepseekMissingReasoning };
      }
      return undefined;
    },
    errorBody(status, reply, request) {
      const [type, code] = errorTypes[status] ?? ['server_error', null];
      const token = String(request.headers.authorization ?? '').replace(/^Bearer /, '');
      const message =
        reply.errorMessage ??
        (status === 401
          ? `Incorrect API key provided: ${token}.`
          : status === 429
            ? 'Rate limit reached for requests'
            : `The server had an error while processing your request (${status}).`);
      return JSON.stringify({ error: { message, type, param: null, code } });
    },
    json(reply, request) {
      const usage = replyUsage(reply);
      const calls = reply.toolCalls ?? [];
      const text = replyPieces(reply).join('');
      return {
        ...envelope(reply, request, 'chat.completion'),
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: calls.length > 0 && text === '' ? null : text,
              ...(reply.reasoningChunks ? { [reply.reasoningField ?? 'reasoning_content']: reply.reasoningChunks.join('') } : {}),
              ...(calls.length === 0
                ? {}
                : {
                    tool_calls: calls.map((call, index) => ({
                      id: call.id ?? `call_fake_${index + 1}`,
                      type: 'function',
                      function: { name: call.name, arguments: call.arguments },
                    })),
                  }),
              refusal: null,
            },
            logprobs: null,
            finish_reason: finishOf(reply),
          },
        ],
        ...(usage ? { usage: usageOf(usage) } : {}),
      };
    },
    frames(reply, request) {
      const chunk = (choices: unknown[], extra: object = {}): string =>
        JSON.stringify({ ...envelope(reply, request, 'chat.completion.chunk'), choices, ...extra });
      const delta = (content: object, finish: string | null): unknown => ({
        index: 0,
        delta: content,
        logprobs: null,
        finish_reason: finish,
      });
      const usage = replyUsage(reply);
      const includeUsage = (bodyOf(request).stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
      const frames: Frame[] = [
        { data: chunk([delta({ role: 'assistant', content: null }, null)]), text: false },
        ...(reply.reasoningChunks ?? []).map((piece) => ({
          data: chunk([delta({ content: null, [reply.reasoningField ?? 'reasoning_content']: piece }, null)]),
          text: true,
        })),
        ...replyPieces(reply).map((piece) => ({ data: chunk([delta({ content: piece }, null)]), text: true })),
        ...toolCallDeltas(reply).map((fragment) => ({ data: chunk([delta({ tool_calls: [fragment] }, null)]), text: true })),
        { data: chunk([delta({}, finishOf(reply))]), text: false },
      ];
      if (includeUsage && usage) frames.push({ data: chunk([], { usage: usageOf(usage) }), text: false });
      frames.push({ data: '[DONE]', text: false });
      return frames;
    },
  });
}

function bodyOf(request: RecordedRequest): Record<string, unknown> {
  return typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, unknown>) : {};
}

function envelope(reply: FakeReply, request: RecordedRequest, object: string): Record<string, unknown> {
  return {
    id: 'chatcmpl-fake',
    object,
    created: 1_700_000_000,
    model: reply.model ?? bodyOf(request).model ?? 'unknown',
    system_fingerprint: 'fp_fake',
  };
}

function finishOf(reply: FakeReply): string {
  return reply.finishReason ?? ((reply.toolCalls?.length ?? 0) > 0 ? 'tool_calls' : 'stop');
}

/** Each call's fragments: index, id, type and name with empty arguments first, then one per argument piece. */
function toolCallDeltas(reply: FakeReply): object[] {
  const perCall = (reply.toolCalls ?? []).map((call, index) => [
    { index, id: call.id ?? `call_fake_${index + 1}`, type: 'function', function: { name: call.name, arguments: '' } },
    ...argumentPieces(call).map((piece) => ({ index, function: { arguments: piece } })),
  ]);
  if (!reply.interleaveToolCalls) return perCall.flat();
  const fragments: object[] = [];
  for (let round = 0; perCall.some((list) => round < list.length); round++) {
    for (const list of perCall) if (round < list.length) fragments.push(list[round]!);
  }
  return fragments;
}

/** DeepSeek's answer, in thinking mode, to a tool-call turn sent back without its reasoning_content. */
export const deepseekMissingReasoning = 'The reasoning_content in the thinking mode must be passed back to the API.';

/** DeepSeek's answer to reasoning_content sent to deepseek-reasoner. */
export const deepseekReasonerRefusal =
  'The reasoning_content is an intermediate result for display purposes only and will not be included in the context for inference. Please remove the reasoning_content from your API request to avoid 400 error';

function usageOf(usage: NonNullable<FakeReply['usage']>): object {
  return {
    prompt_tokens: usage.prompt,
    completion_tokens: usage.completion,
    total_tokens: usage.prompt + usage.completion,
    ...(usage.cacheRead === undefined ? {} : { prompt_tokens_details: { cached_tokens: usage.cacheRead } }),
    ...(usage.reasoning === undefined ? {} : { completion_tokens_details: { reasoning_tokens: usage.reasoning } }),
  };
}
