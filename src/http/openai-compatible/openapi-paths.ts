/**
 * @module The /v1 routes in the OpenAPI document, so /docs shows the OpenAI-compatible door beside the steps. The
 * request schema is the one the door checks bodies with; the answers are described by shape, with a link to the
 * exact objects in docs/openai-compatible.md.
 */
import { chatRequestSchema } from './chat-request.js';

type Json = Record<string, unknown>;

const errorBody = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['message', 'type', 'param', 'code'],
      properties: { message: { type: 'string' }, type: { type: 'string' }, param: { type: ['string', 'null'] }, code: { type: 'string' } },
    },
  },
};

const modelObject = {
  type: 'object',
  required: ['id', 'object', 'created', 'owned_by'],
  properties: {
    id: { type: 'string', description: 'The config short name: mock for data/llm_configs/mock.json.' },
    object: { const: 'model' },
    created: { type: 'integer' },
    owned_by: { type: 'string', description: "The config's provider." },
    branchflow: { type: 'object', description: 'Which file, whether it is usable, and its problem if not.' },
  },
};

const errors = {
  '4XX': { description: "OpenAI's error shape.", content: { 'application/json': { schema: errorBody } } },
  '5XX': { description: "OpenAI's error shape.", content: { 'application/json': { schema: errorBody } } },
};

export function openAiCompatiblePaths(tokenRequired: boolean): Record<string, Json> {
  const plain = routes(tokenRequired);
  // The same routes under a conversation's base URL, for chat UIs that can set a base URL but no header.
  const conversationParameter = { name: 'conversation', in: 'path', required: true, schema: { type: 'string' } };
  const underConversation = Object.entries(plain).map(([path, operations]) => {
    const [[method, operation]] = Object.entries(operations) as [[string, Json]];
    const parameters = [conversationParameter, ...((operation['parameters'] as Json[] | undefined) ?? [])];
    const renamed = { ...operation, operationId: `${String(operation['operationId'])}_in_conversation`, parameters };
    return [path.replace('/v1/', '/v1/conversations/{conversation}/'), { [method]: renamed }] as const;
  });
  return { ...plain, ...Object.fromEntries(underConversation) };
}

function routes(tokenRequired: boolean): Record<string, Json> {
  const security = tokenRequired ? { security: [{ bearer: [] }] } : {};
  const tags = ['openai-compatible'];
  return {
    '/v1/models': {
      get: {
        operationId: 'openai_list_models',
        tags,
        summary: 'The usable LLM configs as OpenAI models; ?all=true lists every config, marked.',
        parameters: [{ name: 'all', in: 'query', required: false, schema: { type: 'boolean' } }],
        responses: {
          '200': {
            description: 'The list.',
            content: {
              'application/json': {
                schema: { type: 'object', properties: { object: { const: 'list' }, data: { type: 'array', items: modelObject } } },
              },
            },
          },
          ...errors,
        },
        ...security,
      },
    },
    '/v1/models/{model}': {
      get: {
        operationId: 'openai_retrieve_model',
        tags,
        summary: 'One LLM config as an OpenAI model.',
        parameters: [{ name: 'model', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '200': { description: 'The model.', content: { 'application/json': { schema: modelObject } } }, ...errors },
        ...security,
      },
    },
    '/v1/chat/completions': {
      post: {
        operationId: 'openai_chat_completions',
        tags,
        summary: 'An OpenAI chat completion. With X-Branchflow-Conversation the turn is saved in that conversation; without it, a relay.',
        description: 'See docs/openai-compatible.md for the two modes, the headers, and which request fields are honoured.',
        parameters: [
          { name: 'X-Branchflow-Conversation', in: 'header', required: false, schema: { type: 'string' } },
          { name: 'X-Branchflow-Parent', in: 'header', required: false, schema: { type: 'string' } },
        ],
        requestBody: { required: true, content: { 'application/json': { schema: chatRequestSchema } } },
        responses: {
          '200': {
            description: 'A chat.completion object, or with stream: true chat.completion.chunk frames and data: [DONE].',
            content: { 'application/json': { schema: { type: 'object' } }, 'text/event-stream': { schema: { type: 'string' } } },
          },
          ...errors,
        },
        ...security,
      },
    },
  };
}
