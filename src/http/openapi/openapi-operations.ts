/** @module The OpenAPI operations of one step: POST with a JSON body, GET with query parameters, both answering alike. */
import type { Step } from '../../registry/define-step.js';
import { rebaseSchema } from './schema-refs.js';

type Json = Record<string, unknown>;

export interface StepOperations {
  /** Schemas to add under `components.schemas`, by name. */
  schemas: Record<string, Json>;
  post: Json;
  get: Json;
}

export function stepOperations(step: Step, tokenRequired: boolean): StepOperations {
  const baseName = step.path.split('/').join('.');
  const inputName = `${baseName}.input`;
  const resultName = step.kind === 'plain' ? `${baseName}.output` : `${baseName}.event`;
  const input = rebaseSchema(step.input, inputName);
  const schemas = {
    [inputName]: input,
    [resultName]: rebaseSchema(step.kind === 'plain' ? step.output : step.events, resultName),
  };
  const operationId = step.path.split('/').join('_');
  const tag = step.path.split('/')[0]!;
  const resumeHeader = declares(input, 'last_event_id') ? [lastEventIdParameter] : [];
  const common = {
    tags: [tag],
    summary: step.summary,
    ...(step.description === undefined ? {} : { description: step.description }),
    responses: responsesFor(step, resultName, tokenRequired),
    ...(tokenRequired ? { security: [{ bearer: [] }, { access_token: [] }] } : {}),
  };
  return {
    schemas,
    post: {
      operationId,
      ...common,
      parameters: resumeHeader,
      requestBody: { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${inputName}` } } } },
    },
    get: { operationId: `${operationId}_get`, ...common, parameters: [...queryParameters(input), ...resumeHeader] },
  };
}

function responsesFor(step: Step, resultName: string, tokenRequired: boolean): Json {
  const result = { $ref: `#/components/schemas/${resultName}` };
  const success =
    step.kind === 'plain'
      ? { '200': { description: 'The output of the step.', content: { 'application/json': { schema: result } } } }
      : {
          '200': {
            description:
              `Server-Sent Events: one frame per event, \`id: <id>\` and \`data: <json>\` with no \`event:\` line; ` +
              `each data line is one JSON object matching ${resultName}. A \`: ping\` comment keeps idle connections open. ` +
              'A failure after the stream opened arrives as {"type":"error","code","message"} then {"type":"end"}.',
            content: { 'text/event-stream': { schema: { type: 'string' }, 'x-event-schema': result } },
          },
          '204': { description: 'The stream has no events (for example a finished generation): EventSource stops reconnecting.' },
        };
  const unauthorized = tokenRequired ? { '401': { $ref: '#/components/responses/Error' } } : {};
  return { ...success, ...unauthorized, '4XX': { $ref: '#/components/responses/Error' }, '5XX': { $ref: '#/components/responses/Error' } };
}

const lastEventIdParameter = {
  name: 'Last-Event-ID',
  in: 'header',
  required: false,
  description: 'Sent by EventSource when it reconnects; passed to the step as `last_event_id` unless the input names one.',
  schema: { type: 'string' },
};

function queryParameters(input: Json): Json[] {
  const properties = (input['properties'] ?? {}) as Record<string, Json>;
  const required = new Set(Array.isArray(input['required']) ? input['required'] : []);
  return Object.entries(properties).map(([name, schema]) => {
    const description = typeof schema['description'] === 'string' ? { description: schema['description'] } : {};
    const type = schema['type'];
    const isObject = type === 'object' || (Array.isArray(type) && type.includes('object'));
    // Object fields travel as JSON text in the query; everything else as plain text coerced by the schema.
    const shape = isObject ? { content: { 'application/json': { schema } } } : { schema };
    return { name, in: 'query', required: required.has(name), ...description, ...shape };
  });
}

function declares(schema: Json, name: string): boolean {
  const properties = schema['properties'];
  return typeof properties === 'object' && properties !== null && Object.hasOwn(properties, name);
}
