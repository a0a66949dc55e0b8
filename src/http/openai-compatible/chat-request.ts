/**
 * @module The body of `POST /v1/chat/completions`, checked and mapped to what the steps take: text messages with
 * the roles branchflow knows, whether to stream, and whether to send the usage chunk. Fields the steps cannot
 * honour are accepted and ignored (docs/openai-compatible.md lists them), except those that would change the
 * shape of the answer (`n` above 1), which are refused.
 */
import { CallError } from '../../lib/call-error.js';
import { compileSchema } from '../../lib/json-schema.js';

export interface TextMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatCompletionRequest {
  /** An LLM config's id, as `GET /v1/models` lists it. */
  model: string;
  messages: TextMessage[];
  stream: boolean;
  /** `stream_options.include_usage`: a last chunk with the usage and no choices. */
  includeUsage: boolean;
}

const contentPart = {
  type: 'object',
  properties: { type: { type: 'string' }, text: { type: 'string' } },
  required: ['type'],
} as const;

export const chatRequestSchema = {
  type: 'object',
  properties: {
    model: { type: 'string', minLength: 1 },
    messages: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: {
          role: { enum: ['system', 'developer', 'user', 'assistant', 'tool', 'function'] },
          content: { anyOf: [{ type: 'string' }, { type: 'array', items: contentPart }, { type: 'null' }] },
          name: { type: 'string' },
        },
        required: ['role'],
      },
    },
    stream: { type: ['boolean', 'null'] },
    stream_options: { type: ['object', 'null'], properties: { include_usage: { type: 'boolean' } } },
    n: { type: ['integer', 'null'], minimum: 1 },
  },
  required: ['model', 'messages'],
} as const;

const checkRequest = compileSchema(chatRequestSchema);

interface RawMessage {
  role: string;
  content?: string | Array<{ type: string; text?: string }> | null;
  tool_calls?: unknown;
}

interface RawRequest {
  model: string;
  messages: RawMessage[];
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean } | null;
  n?: number | null;
}

export function readChatRequest(body: unknown): ChatCompletionRequest {
  const raw = checkRequest.check(body, 'BAD_INPUT', 'the chat completion request') as RawRequest;
  if (raw.n !== undefined && raw.n !== null && raw.n > 1) {
    throw refused('n', `n is ${raw.n}, but branchflow answers with one choice; leave n out or send 1`);
  }
  return {
    model: raw.model,
    messages: raw.messages.map(toTextMessage),
    stream: raw.stream === true,
    includeUsage: raw.stream === true && raw.stream_options?.include_usage === true,
  };
}

/** The text the conversation mode appends: the request's last message, which must be the user's. */
export function lastUserMessage(request: ChatCompletionRequest): string {
  const index = request.messages.length - 1;
  const last = request.messages[index]!;
  if (last.role !== 'user') {
    throw refused(
      `messages[${index}].role`,
      `the last message is the ${last.role}'s; with X-Branchflow-Conversation the last message must be the user's, which is appended to the conversation`,
    );
  }
  if (last.content.trim() === '') throw refused(`messages[${index}].content`, 'the last user message is empty');
  return last.content;
}

function toTextMessage(message: RawMessage, index: number): TextMessage {
  const where = `messages[${index}]`;
  if (message.role === 'tool' || message.role === 'function' || message.tool_calls !== undefined) {
    throw refused(where, `${where} is a tool call or tool result; branchflow's OpenAI-compatible door handles text messages only`);
  }
  const role = message.role === 'developer' ? 'system' : (message.role as TextMessage['role']);
  return { role, content: textOf(message.content, where) };
}

/** A string, or text parts joined by line breaks; images and other parts are refused, never silently dropped. */
function textOf(content: RawMessage['content'], where: string): string {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  return content
    .map((part, index) => {
      if (part.type !== 'text' || typeof part.text !== 'string') {
        throw refused(`${where}.content[${index}]`, `${where}.content[${index}] is a "${part.type}" part; only text parts are accepted`);
      }
      return part.text;
    })
    .join('\n');
}

function refused(param: string, message: string): CallError {
  return new CallError('BAD_INPUT', message, { details: { openai: { param, code: 'unsupported_value' } } });
}
