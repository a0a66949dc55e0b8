/** @module `GET /openapi.json`: an OpenAPI 3.1 document built from the registry, so it cannot drift from the steps. */
import packageJson from '../../../package.json' with { type: 'json' };
import { callErrorCodes } from '../../lib/call-error.js';
import type { Registry } from '../../registry/registry.js';
import { httpStatusByCode } from '../http-status.js';
import { openAiCompatiblePaths } from '../openai-compatible/openapi-paths.js';
import { stepOperations } from './openapi-operations.js';

type Json = Record<string, unknown>;

export interface OpenApiOptions {
  /** Adds the bearer / access_token security schemes and a 401 reply to every /api operation. */
  tokenRequired: boolean;
}

export function buildOpenApiDocument(registry: Registry, options: OpenApiOptions): Json {
  const paths: Record<string, Json> = { '/api/calls': callsPath(options.tokenRequired) };
  const schemas: Record<string, Json> = { ErrorBody: errorBodySchema };
  for (const step of registry.list()) {
    const operations = stepOperations(step, options.tokenRequired);
    Object.assign(schemas, operations.schemas);
    paths[`/api/${step.path}`] = { get: operations.get, post: operations.post };
  }
  paths['/api/attachment'] = attachmentPath(options.tokenRequired);
  paths['/health'] = {
    get: {
      operationId: 'health',
      tags: ['server'],
      summary: 'The server is alive.',
      responses: { '200': jsonResponse('Alive.', statusSchema) },
    },
  };
  paths['/ready'] = {
    get: {
      operationId: 'ready',
      tags: ['server'],
      summary: 'The server can serve: its checks (store readable, watcher running) pass.',
      responses: {
        '200': jsonResponse('Ready.', statusSchema),
        '503': jsonResponse('Not ready; `checks` says what failed.', statusSchema),
      },
    },
  };
  Object.assign(paths, openAiCompatiblePaths(options.tokenRequired));
  const table = callErrorCodes.map((code) => `${code} ${httpStatusByCode[code]}`).join(', ');
  return {
    openapi: '3.1.0',
    info: { title: 'branchflow', version: packageJson.version, description: packageJson.description },
    paths,
    components: {
      schemas,
      responses: {
        Error: {
          description: `The call failed; \`error.code\` says why. Status by code: ${table}.`,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } },
        },
      },
      ...(options.tokenRequired ? { securitySchemes } : {}),
    },
  };
}

function callsPath(tokenRequired: boolean): Json {
  return {
    get: {
      operationId: 'list_calls',
      tags: ['server'],
      summary: 'Every registered step with its kind and schemas.',
      responses: {
        '200': jsonResponse('The steps.', {
          type: 'object',
          required: ['success', 'calls'],
          properties: { success: { const: true }, calls: { type: 'array' } },
        }),
        '4XX': { $ref: '#/components/responses/Error' },
      },
      ...(tokenRequired ? { security: [{ bearer: [] }, { access_token: [] }] } : {}),
    },
  };
}

/** GET /api/attachment: an image attached to a message, as its bytes (src/http/attachment-route.ts). */
function attachmentPath(tokenRequired: boolean): Json {
  const query = (name: string, description: string, required: boolean): Json => ({
    name,
    in: 'query',
    required,
    description,
    schema: { type: 'string' },
  });
  return {
    get: {
      operationId: 'attachment',
      tags: ['server'],
      summary: "An image attached to a message (a node's attachments[].file), as its bytes; cached as immutable (the name is its hash).",
      parameters: [
        query('conversation_file', 'The conversation: a short name or a path inside data/conversations/.', true),
        query('attachment', 'The reference as the node holds it: files/<sha256>.<png|jpg|gif|webp>.', true),
      ],
      responses: {
        '200': {
          description: 'The image.',
          content: Object.fromEntries(
            ['image/png', 'image/jpeg', 'image/gif', 'image/webp'].map((type) => [type, { schema: { type: 'string', format: 'binary' } }]),
          ),
        },
        '304': { description: 'Not modified (If-None-Match matched the ETag).' },
        '4XX': { $ref: '#/components/responses/Error' },
      },
      ...(tokenRequired ? { security: [{ bearer: [] }, { access_token: [] }] } : {}),
    },
  };
}

function jsonResponse(description: string, schema: Json): Json {
  return { description, content: { 'application/json': { schema } } };
}

const statusSchema = { type: 'object', required: ['status'], properties: { status: { type: 'string' }, checks: { type: 'object' } } };

const errorBodySchema = {
  type: 'object',
  required: ['success', 'error'],
  properties: {
    success: { const: false },
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { enum: [...callErrorCodes] }, message: { type: 'string' }, details: {} },
    },
  },
};

const securitySchemes = {
  bearer: { type: 'http', scheme: 'bearer', description: 'BRANCHFLOW_TOKEN, as `Authorization: Bearer <token>`.' },
  access_token: { type: 'apiKey', in: 'query', name: 'access_token', description: 'The same token in the query, for EventSource.' },
};
