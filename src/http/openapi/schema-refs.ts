/**
 * @module Moves a step's schema into an OpenAPI document: a deep copy whose local `$ref`s (`#/$defs/...`)
 * point at the schema's new place under `#/components/schemas/<name>`, where OpenAPI resolves them.
 */
import type { JsonSchema } from '../../lib/json-schema.js';

export function rebaseSchema(schema: JsonSchema, componentName: string): Record<string, unknown> {
  return rebase(schema, `#/components/schemas/${componentName}`) as Record<string, unknown>;
}

function rebase(value: unknown, base: string): unknown {
  if (Array.isArray(value)) return value.map((item) => rebase(item, base));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) => [
      key,
      key === '$ref' && typeof child === 'string' && child.startsWith('#') ? base + child.slice(1) : rebase(child, base),
    ]),
  );
}
