/**
 * @module Turns a GET query string into a step's input. Values stay text (ajv coerces them by the schema);
 * object fields arrive as JSON text, array fields as repeated keys or JSON text.
 */
import { CallError } from '../lib/call-error.js';
import type { JsonSchema } from '../lib/json-schema.js';

/** Carries the token for EventSource, which cannot send headers; never input. */
const reservedKeys = new Set(['access_token']);

export function queryToInput(query: URLSearchParams, inputSchema: JsonSchema): Record<string, unknown> {
  const properties = propertiesOf(inputSchema);
  const values = new Map<string, string[]>();
  for (const [rawKey, value] of query) {
    if (reservedKeys.has(rawKey)) continue;
    // SmartTavern's gateway accepted camelCase (`conversationFile`); the wire names are snake_case.
    const key = Object.hasOwn(properties, rawKey) ? rawKey : toSnakeCase(rawKey);
    values.set(key, [...(values.get(key) ?? []), value]);
  }
  const input: Record<string, unknown> = {};
  for (const [key, given] of values) {
    const types = typesOf(properties[key]);
    const last = given[given.length - 1]!;
    if (types.has('array')) {
      input[key] = given.length > 1 ? given : last.trimStart().startsWith('[') ? parseJson(key, last) : [last];
    } else if (types.has('object')) {
      input[key] = parseJson(key, last);
    } else {
      // A repeated scalar keeps its last value, as most query parsers do.
      input[key] = last;
    }
  }
  return input;
}

export function toSnakeCase(key: string): string {
  return key.replace(/(?<=[a-z0-9])([A-Z])/g, '_$1').toLowerCase();
}

function propertiesOf(schema: JsonSchema): Record<string, unknown> {
  const properties = schema['properties'];
  return typeof properties === 'object' && properties !== null ? (properties as Record<string, unknown>) : {};
}

function typesOf(schema: unknown): Set<string> {
  if (typeof schema !== 'object' || schema === null) return new Set();
  const type = (schema as Record<string, unknown>)['type'];
  if (typeof type === 'string') return new Set([type]);
  return new Set(Array.isArray(type) ? type.filter((entry): entry is string => typeof entry === 'string') : []);
}

function parseJson(field: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CallError('BAD_INPUT', `query parameter ${field} must be JSON text: ${(error as Error).message}`, {
      details: [{ field: `/${field}`, message: 'is not valid JSON', keyword: 'json', params: {} }],
      cause: error,
    });
  }
}
