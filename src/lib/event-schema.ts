/** @module eventSchema: the JSON Schema of one streamed event, an object told apart by its `type` field. */

export function eventSchema(type: string, properties: Record<string, unknown>, required: string[]) {
  return {
    type: 'object',
    properties: { type: { const: type }, ...properties },
    required: ['type', ...required],
    additionalProperties: false,
  } as const;
}
