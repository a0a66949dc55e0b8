/** @module `GET /api/calls`: every registered step with its kind and schemas, for clients and people exploring. */
import type { JsonSchema } from '../../lib/json-schema.js';
import type { Registry } from '../../registry/registry.js';

export interface CallDescription {
  path: string;
  kind: 'plain' | 'stream';
  summary: string;
  description?: string;
  input: JsonSchema;
  output?: JsonSchema;
  events?: JsonSchema;
}

export function describeCalls(registry: Registry): { success: true; calls: CallDescription[] } {
  const calls = registry.list().map((step): CallDescription => {
    const description = step.description === undefined ? {} : { description: step.description };
    const result = step.kind === 'plain' ? { output: step.output } : { events: step.events };
    return { path: step.path, kind: step.kind, summary: step.summary, ...description, input: step.input, ...result };
  });
  return { success: true, calls };
}
