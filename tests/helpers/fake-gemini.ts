/**
 * @module A fake Gemini API server for tests and benchmarks, speaking the real wire format:
 * `POST /v1beta/models/<model>:generateContent` answers a GenerateContentResponse;
 * `:streamGenerateContent?alt=sse` answers SSE frames (CRLF-separated, as Google sends them), one per text
 * piece, the last with `finishReason` and the full `usageMetadata`; without `alt=sse` it answers the JSON
 * array the real endpoint sends. Errors are `{"error": {code, message, status}}`. `reasoningChunks` stream first
 * (only when the request sets `thinkingConfig.includeThoughts`) as thought parts (`{"text": ..., "thought": true}`), as with `thinkingConfig.includeThoughts`; `usage.reasoning`
 * is reported as `thoughtsTokenCount` (not part of candidatesTokenCount, as Google counts it). `toolCalls` come
 * after the text as `functionCall` parts of one chunk (args an object, `id` only when given, `thoughtSignature`
 * on the part when given), finishing with STOP as Google does. Like Gemini 3, a `gemini-3*` model answers 400
 * when a functionCall part of the current turn (the model steps after the last user text) comes back without
 * a thoughtSignature on the first call of its step.
 *
 *   const server = await startFakeGemini();
 *   // config: { provider: 'gemini', api_key: 'test-key', base_url: server.baseUrl, model: 'gemini-test' }
 *   server.defaultReply = { chunks: ['Hel', 'lo'], finishReason: 'MAX_TOKENS' };
 *   server.requests[0].headers['x-goog-api-key']
 * Every FakeReply option (latency, hangs, drops, malformed frames, raw bodies) is described in fake-server.ts.
 */
import {
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

const statusNames: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

const routePattern = /^\/[^/]+\/models\/([^/:]+):(generateContent|streamGenerateContent)$/;

export function startFakeGemini(): Promise<FakeServer> {
  return startFakeServer({
    versionPath: '/v1beta',
    separator: '\r\n\r\n',
    route(request) {
      const [path, query = ''] = request.url.split('?');
      const match = routePattern.exec(path ?? '');
      if (request.method !== 'POST' || !match) return null;
      // Without alt=sse the real streaming endpoint answers one JSON array: a plain (non-SSE) reply.
      return { stream: match[2] === 'streamGenerateContent' && new URLSearchParams(query).get('alt') === 'sse' };
    },
    reject(request) {
      const model = routePattern.exec(request.url.split('?')[0] ?? '')?.[1] ?? '';
      if (!model.startsWith('gemini-3')) return undefined;
      const missing = unsignedCall(request);
      if (missing === undefined) return undefined;
      return {
        status: 400,
        message:
          'Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, ' +
          `and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${missing.name}\` , ` +
          `position ${missing.position}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`,
      };
    },
    errorBody(status, reply) {
      const message =
        reply.errorMessage ??
        (status === 401
          ? 'API key not valid. Please pass a valid API key.'
          : status === 429
            ? 'Resource has been exhausted (e.g. check quota).'
            : 'An internal error has occurred.');
      return JSON.stringify({ error: { code: status, message, status: statusNames[status] ?? 'UNKNOWN' } });
    },
    json(reply, request) {
      const callParts = (reply.toolCalls ?? []).map(functionCallPart);
      const whole = responseOf(reply, request, replyPieces(reply).join(''), true, false, callParts);
      return isStreamRoute(request)
        ? replyPieces(reply).map((piece, index, all) => responseOf(reply, request, piece, index === all.length - 1))
        : whole;
    },
    frames(reply, request): Frame[] {
      const pieces = replyPieces(reply);
      const calls = reply.toolCalls ?? [];
      // Like Google, thoughts are sent only when the request asks for them.
      const thoughts = (includesThoughts(request) ? (reply.reasoningChunks ?? []) : []).map((piece) => ({
        data: JSON.stringify(responseOf(reply, request, piece, false, true)),
        text: true,
      }));
      if (calls.length > 0) {
        return [
          ...thoughts,
          ...pieces.map((piece) => ({ data: JSON.stringify(responseOf(reply, request, piece, false)), text: true })),
          { data: JSON.stringify(responseOf(reply, request, '', true, false, calls.map(functionCallPart))), text: true },
        ];
      }
      if (pieces.length === 0) return [...thoughts, { data: JSON.stringify(responseOf(reply, request, '', true)), text: false }];
      return [
        ...thoughts,
        ...pieces.map((piece, index) => ({
          data: JSON.stringify(responseOf(reply, request, piece, index === pieces.length - 1)),
          text: true,
        })),
      ];
    },
  });
}

function includesThoughts(request: RecordedRequest): boolean {
  const body = request.body as { generationConfig?: { thinkingConfig?: { includeThoughts?: unknown } } } | undefined;
  return body?.generationConfig?.thinkingConfig?.includeThoughts === true;
}

function isStreamRoute(request: RecordedRequest): boolean {
  return request.url.includes(':streamGenerateContent');
}

function functionCallPart(call: FakeToolCall): object {
  return {
    functionCall: { ...(call.id === undefined ? {} : { id: call.id }), name: call.name, args: JSON.parse(call.arguments) as unknown },
    ...(call.thoughtSignature === undefined ? {} : { thoughtSignature: call.thoughtSignature }),
  };
}

interface WirePart {
  text?: string;
  functionCall?: { name?: string };
  functionResponse?: unknown;
  thoughtSignature?: string;
}

/** The first step call of the current turn that lacks its signature: its name and its position among all parts sent. */
function unsignedCall(request: RecordedRequest): { name: string; position: number } | undefined {
  const contents = ((request.body as { contents?: Array<{ role?: string; parts?: WirePart[] }> } | undefined)?.contents ?? []).map(
    (content) => ({ role: content.role, parts: content.parts ?? [] }),
  );
  const lastUserText = contents.findLastIndex(
    (content) => content.role === 'user' && content.parts.some((part) => part.functionResponse === undefined),
  );
  let position = 0;
  for (const [index, content] of contents.entries()) {
    const first = content.parts.findIndex((part) => part.functionCall !== undefined);
    if (index > lastUserText && content.role === 'model' && first !== -1 && !content.parts[first]?.thoughtSignature) {
      return { name: content.parts[first]?.functionCall?.name ?? '', position: position + first + 1 };
    }
    position += content.parts.length;
  }
  return undefined;
}

function responseOf(
  reply: FakeReply,
  request: RecordedRequest,
  text: string,
  last: boolean,
  thought = false,
  callParts: object[] = [],
): object {
  const usage = replyUsage(reply);
  const model = reply.model ?? routePattern.exec(request.url.split('?')[0] ?? '')?.[1] ?? 'unknown';
  const thoughts = usage?.reasoning ?? 0;
  return {
    candidates: [
      {
        content: {
          parts: [...(thought ? [{ text, thought: true }] : text === '' && callParts.length > 0 ? [] : [{ text }]), ...callParts],
          role: 'model',
        },
        ...(last ? { finishReason: reply.finishReason ?? 'STOP' } : {}),
        index: 0,
      },
    ],
    ...(usage
      ? {
          usageMetadata: last
            ? {
                promptTokenCount: usage.prompt,
                candidatesTokenCount: usage.completion - thoughts,
                ...(thoughts > 0 ? { thoughtsTokenCount: thoughts } : {}),
                totalTokenCount: usage.prompt + usage.completion,
              }
            : { promptTokenCount: usage.prompt, totalTokenCount: usage.prompt },
        }
      : {}),
    modelVersion: model,
    responseId: 'fake-response',
  };
}
