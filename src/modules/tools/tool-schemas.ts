/** @module The JSON shapes the `modules/tools/*` steps share: a listed tool and a tool's result. */

export const toolResultSchema = {
  type: 'object',
  properties: {
    content: { type: 'array' },
    text: { type: 'string' },
    is_error: { type: 'boolean' },
  },
  required: ['content', 'text', 'is_error'],
  additionalProperties: false,
} as const;

export const listedToolSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', description: 'What a config or settings.json names: a step path, or mcp:<server>/<tool>.' },
    description: { type: 'string' },
    parameters: { type: 'object', description: 'The JSON Schema of the arguments.' },
    origin: {
      type: 'object',
      properties: { kind: { enum: ['step', 'mcp'] }, path: { type: 'string' }, server: { type: 'string' } },
      required: ['kind'],
      additionalProperties: false,
    },
  },
  required: ['name', 'description', 'parameters', 'origin'],
  additionalProperties: false,
} as const;

export interface ListedTool {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
  origin: { kind: 'step'; path: string } | { kind: 'mcp'; server: string };
}
