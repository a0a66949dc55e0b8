/**
 * @module A fake OpenAI chat-completions server for tests and benchmarks, speaking the real wire format:
 * `POST <anything>/chat/completions` answers JSON, or with `"stream": true` SSE chunks (a role delta with
 * `content: null`, text deltas, a finish chunk, the usage chunk when `stream_options.include_usage`, then
 * `data: [DONE]`). Errors are `{"error": {message, type, param, code}}`; a 401's message quotes the bearer
 * token in full, as a careless proxy would, so tests can check that branchflow masks it.
 *
 *   const server = await startFakeOpenAi();
 *   // config: { provider: 'openai_compatible', base_url: server.baseUrl, model: 'gpt-test' }
 *   server.defaultReply = { chunks: ['Hel', 'lo'], finishReason: 'length', usage: { prompt: 3, completion: 2 } };
 *   server.enqueue({ status: 500 }, { hangAfterChunks: 1 });
 * Every FakeReply option (latency, hangs, drops, malformed frames, raw bodies) is described in fake-server.ts.
 */
import {
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
      return {
        ...envelope(reply, request, 'chat.completion'),
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: replyPieces(reply).join(''), refusal: null },
            logprobs: null,
            finish_reason: reply.finishReason ?? 'stop',
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
        ...replyPieces(reply).map((piece) => ({ data: chunk([delta({ content: piece }, null)]), text: true })),
        { data: chunk([delta({}, reply.finishReason ?? 'stop')]), text: false },
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

function usageOf(usage: { prompt: number; completion: number }): object {
  return { prompt_tokens: usage.prompt, completion_tokens: usage.completion, total_tokens: usage.prompt + usage.completion };
}
