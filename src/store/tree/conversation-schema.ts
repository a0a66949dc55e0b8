/**
 * @module The conversation file's shape, as schemas/conversation.schema.json states it: the file editors check
 * hand edits with is the one the engine validates with. Compiled once; the node, node id and top-level field
 * parts are compiled on their own so a write checks only what it changes. What a schema cannot state (a pid
 * names an existing node, no parent loops) is checked in validate.ts.
 */
import conversationSchema from '../../../schemas/conversation.schema.json' with { type: 'json' };
import { compileSchema, type CompiledSchema } from '../../lib/json-schema.js';
import { jsonPointer } from './json-pointer.js';

export interface Problem {
  pointer: string;
  message: string;
}

const id = conversationSchema.$id;
const whole = compileSchema(conversationSchema);
const node = compileSchema({ $ref: `${id}#/$defs/node` });
const nodeId = compileSchema({ $ref: `${id}#/$defs/nodeId` });
const fields = new Map<string, CompiledSchema>(
  Object.keys(conversationSchema.properties).map((key) => [key, compileSchema({ $ref: `${id}#${jsonPointer('properties', key)}` })]),
);

/** The node id pattern, for other schemas (step inputs) that take a node id. */
export const nodeIdPattern = conversationSchema.$defs.nodeId.pattern;

/** The first problem a schema finds, as a pointer under `at` and the schema's message. */
export function firstProblem(schema: CompiledSchema, value: unknown, at = ''): Problem | undefined {
  const [first] = schema.problems(value);
  if (!first) return undefined;
  return { pointer: at + first.field, message: first.keyword === 'required' ? 'is required' : first.message };
}

/** The whole tree's shape: types of every known field, node ids, each node's fields. */
export function treeShapeProblem(doc: unknown): Problem | undefined {
  return firstProblem(whole, doc);
}

/** One node's id and fields, as they would sit at `/nodes/<id>`. */
export function nodeShapeProblem(id: string, value: unknown): Problem | undefined {
  const at = jsonPointer('nodes', id);
  const idProblem = firstProblem(nodeId, id);
  if (idProblem) return { pointer: at, message: idProblem.message };
  return firstProblem(node, value, at);
}

/** A known top-level field's shape (roots, children...); undefined for a field the schema does not name. */
export function fieldShapeProblem(key: string, value: unknown): Problem | undefined {
  const schema = fields.get(key);
  return schema && firstProblem(schema, value, jsonPointer(key));
}

/** Whether the schema names this top-level field (unknown fields need only be JSON). */
export function isKnownField(key: string): boolean {
  return fields.has(key);
}
