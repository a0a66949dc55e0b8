/**
 * @module A fake Anthropic Messages API server for tests and benchmarks, speaking the real wire format:
 * `POST /v1/messages` answers a Message; with `"stream": true` the named SSE events message_start, ping,
 * content_block_start / content_block_delta (thinking_delta, signature_delta, text_delta) / content_block_stop,
 * message_delta (stop_reason, output usage) and message_stop. Errors are `{"type": "error", "error": {type,
 * message}}`; `errorEventAfterChunks` sends one as an `error` event mid-stream, as an overloaded API does.
 * Like the real API it answers 400 to a request without `max_tokens`, with a `system` role among the messages,
 * or with a thinking budget below 1024 or not below max_tokens. `redactedThinking` sends a redacted_thinking
 * block first; `toolCalls` come after the text as tool_use blocks whose input streams as `input_json_delta`
 * pieces (stop_reason `tool_use`). Tool loops are checked as the API checks them: a thinking block sent back
 * without its signature, or with one the server never gave, is a 400; with thinking enabled, the assistant
 * message before the last tool results must start with a thinking or redacted_thinking block (400 otherwise);
 * tool_use or tool_result blocks in a request that defines no tools are a 400.
 *
 *   const server = await startFakeAnthropic();
 *   // config: { provider: 'anthropic', api_key: 'k', base_url: server.baseUrl, model: 'claude-test' }
 *   server.defaultReply = { reasoningChunks: ['Hmm'], chunks: ['Hel', 'lo'], finishReason: 'max_tokens' };
 * Every FakeReply option (latency, hangs, drops, malformed frames, raw bodies) is described in fake-server.ts.
 */
import {
  argumentPieces,
  replyPieces,
  replyUsage,
  startFakeServer,
  type FakeReply,
  type FakeServer,
  type FakeToolCall,
  type Frame,
  type RecordedRequest,
} from './fake-server.js';

export type { FakeReply, FakeServer, RecordedRequest } from './fake-server.js';

const errorTypes: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

/** A signature as opaque as the real ones; the same for every thinking block. */
export const fakeSignature = 'EqQBCkgIARABGAIiQFakeSignature==';

export function startFakeAnthropic(): Promise<FakeServer> {
  return startFakeServer({
    versionPath: '',
    separator: '\n\n',
    route(request) {
      if (request.method !== 'POST' || request.url.split('?')[0] !== '/v1/messages') return null;
      return { stream: bodyOf(request).stream === true };
    },
    reject(request) {
      const body = bodyOf(request);
      if (typeof body.max_tokens !== 'number') return { status: 400, message: 'max_tokens: Field required' };
      const messages = Array.isArray(body.messages) ? (body.messages as Array<{ role?: unknown }>) : [];
      const system = messages.findIndex((message) => message.role === 'system');
      if (system !== -1) return { status: 400, message: `messages.${system}.role: Input should be 'user' or 'assistant'` };
      const thinking = body.thinking as { type?: string; budget_tokens?: number } | undefined;
      if (thinking?.type === 'enabled') {
        const budget = thinking.budget_tokens ?? 0;
        if (budget < 1024) return { status: 400, message: 'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024' };
        if (budget >= body.max_tokens) return { status: 400, message: '`max_tokens` must be greater than `thinking.budget_tokens`' };
      }
      return toolLoopRefusal(messages as WireMessage[], thinking?.type === 'enabled', Array.isArray(body.tools) && body.tools.length > 0);
    },
    errorBody(status, reply) {
      const type = errorTypes[status] ?? 'api_error';
      const message = reply.errorMessage ?? (status === 401 ? 'invalid x-api-key' : status === 529 ? 'Overloaded' : `Error ${status}`);
      return JSON.stringify({ type: 'error', error: { type, message } });
    },
    json(reply, request) {
      const reasoning = reply.reasoningChunks?.join('');
      const text = replyPieces(reply).join('');
      const calls = reply.toolCalls ?? [];
      return {
        ...messageEnvelope(reply, request),
        content: [
          ...(reply.redactedThinking === undefined ? [] : [{ type: 'redacted_thinking', data: reply.redactedThinking }]),
          ...(reasoning === undefined ? [] : [{ type: 'thinking', thinking: reasoning, signature: fakeSignature }]),
          ...(text === '' && calls.length > 0 ? [] : [{ type: 'text', text }]),
          ...calls.map((call, index) => ({ type: 'tool_use', id: toolUseId(call, index), name: call.name, input: inputOf(call) })),
        ],
        stop_reason: finishOf(reply),
        usage: usageOf(reply, true),
      };
    },
    frames(reply, request): Frame[] {
      const frame = (event: string, data: object, text = false): Frame => ({ event, data: JSON.stringify({ type: event, ...data }), text });
      const frames: Frame[] = [
        frame('message_start', {
          message: { ...messageEnvelope(reply, request), content: [], stop_reason: null, usage: usageOf(reply, false) },
        }),
        frame('ping', {}),
      ];
      let index = 0;
      if (reply.redactedThinking !== undefined) {
        frames.push(frame('content_block_start', { index, content_block: { type: 'redacted_thinking', data: reply.redactedThinking } }));
        frames.push(frame('content_block_stop', { index }));
        index++;
      }
      if (reply.reasoningChunks) {
        frames.push(frame('content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } }));
        for (const piece of reply.reasoningChunks) {
          frames.push(frame('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: piece } }, true));
        }
        frames.push(frame('content_block_delta', { index, delta: { type: 'signature_delta', signature: fakeSignature } }));
        frames.push(frame('content_block_stop', { index }));
        index++;
      }
      const pieces = replyPieces(reply);
      const calls = reply.toolCalls ?? [];
      if (pieces.length > 0 || calls.length === 0) {
        frames.push(frame('content_block_start', { index, content_block: { type: 'text', text: '' } }));
        for (const piece of pieces) frames.push(frame('content_block_delta', { index, delta: { type: 'text_delta', text: piece } }, true));
        frames.push(frame('content_block_stop', { index }));
        index++;
      }
      for (const [position, call] of calls.entries()) {
        frames.push(
          frame('content_block_start', {
            index,
            content_block: { type: 'tool_use', id: toolUseId(call, position), name: call.name, input: {} },
          }),
        );
        for (const piece of argumentPieces(call)) {
          frames.push(frame('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } }, true));
        }
        frames.push(frame('content_block_stop', { index }));
        index++;
      }
      frames.push(
        frame('message_delta', {
          delta: { stop_reason: finishOf(reply), stop_sequence: null },
          usage: { output_tokens: replyUsage(reply)?.completion ?? 0 },
        }),
      );
      frames.push(frame('message_stop', {}));
      if (reply.errorEventAfterChunks === undefined) return frames;
      // Cut after that many text frames and end with the error event, as a stream the API gives up on does.
      let seen = 0;
      const cut = frames.findIndex((candidate) => candidate.text && seen++ === reply.errorEventAfterChunks);
      return [
        ...(cut === -1 ? frames.slice(0, -2) : frames.slice(0, cut)),
        frame('error', { error: { type: 'overloaded_error', message: reply.errorMessage ?? 'Overloaded' } }),
      ];
    },
  });
}

function finishOf(reply: FakeReply): string {
  return reply.finishReason ?? ((reply.toolCalls?.length ?? 0) > 0 ? 'tool_use' : 'end_turn');
}

function toolUseId(call: FakeToolCall, index: number): string {
  return call.id ?? `toolu_fake_${index + 1}`;
}

/** The parsed input; broken JSON (which the real API never sends whole) as `{}`. */
function inputOf(call: FakeToolCall): unknown {
  try {
    return JSON.parse(call.arguments) as unknown;
  } catch {
    return {};
  }
}

interface WireMessage {
  role?: string;
  content?: string | Array<{ type?: string; signature?: unknown }>;
}

/** The API's 400s for a tool loop sent back wrong (see the module comment). */
function toolLoopRefusal(
  messages: WireMessage[],
  thinkingEnabled: boolean,
  hasTools: boolean,
): { status: number; message: string } | undefined {
  const toolBlocks = messages.some(
    (message) =>
      Array.isArray(message.content) && message.content.some((block) => block.type === 'tool_use' || block.type === 'tool_result'),
  );
  if (toolBlocks && !hasTools)
    return { status: 400, message: 'Requests which include `tool_use` or `tool_result` blocks must define tools.' };
  for (const [at, message] of messages.entries()) {
    if (message.role !== 'assistant' || !Array.isArray(message.content)) continue;
    for (const [position, block] of message.content.entries()) {
      if (block.type !== 'thinking') continue;
      if (block.signature === undefined)
        return { status: 400, message: `messages.${at}.content.${position}.thinking.signature: Field required` };
      if (block.signature !== fakeSignature)
        return { status: 400, message: `messages.${at}.content.${position}: Invalid \`signature\` in \`thinking\` block` };
    }
  }
  const last = messages.at(-1);
  const endsInResults = last?.role === 'user' && Array.isArray(last.content) && last.content.some((block) => block.type === 'tool_result');
  const step = messages.findLastIndex((message) => message.role === 'assistant');
  if (!thinkingEnabled || !endsInResults || step === -1) return undefined;
  const content = messages[step]?.content;
  const first = Array.isArray(content) ? content[0]?.type : 'text';
  if (first === 'thinking' || first === 'redacted_thinking') return undefined;
  return {
    status: 400,
    message:
      `messages.${step}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${first}\`. When \`thinking\` is enabled, ` +
      'a final `assistant` message must start with a thinking block (preceeding the lastmost set of `tool_use` and `tool_result` blocks). ' +
      'We recommend you include thinking blocks from previous turns. To avoid this requirement, disable `thinking`.',
  };
}

function bodyOf(request: RecordedRequest): Record<string, unknown> {
  return typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, unknown>) : {};
}

function messageEnvelope(reply: FakeReply, request: RecordedRequest): Record<string, unknown> {
  return {
    id: 'msg_fake',
    type: 'message',
    role: 'assistant',
    model: reply.model ?? bodyOf(request).model ?? 'unknown',
    stop_sequence: null,
  };
}

/** `input_tokens` leaves out the cached part, as Anthropic counts it; message_start reports output so far (1). */
function usageOf(reply: FakeReply, whole: boolean): object {
  const usage = replyUsage(reply);
  if (!usage) return { input_tokens: 0, output_tokens: 0 };
  const cacheRead = usage.cacheRead ?? 0;
  const cacheWrite = usage.cacheWrite ?? 0;
  return {
    input_tokens: usage.prompt - cacheRead - cacheWrite,
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cacheRead,
    output_tokens: whole ? usage.completion : 1,
  };
}
