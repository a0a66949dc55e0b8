/**
 * @module The `$schema` value a new file starts with: the path from the file's folder to the schema the engine
 * itself validates with (schemas/ beside src/), so an editor such as VS Code checks hand edits against the very
 * rules the engine applies. From data/conversations/<name>/ in a checkout that is
 * `../../../schemas/conversation.schema.json`; with branchflow installed as a package it leads into
 * node_modules. A folder on another drive (no relative path) gets a file: URL.
 */
import { isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export type SchemaFile = 'conversation.schema.json' | 'settings.schema.json' | 'llm-config.schema.json';

const schemasFolder = fileURLToPath(new URL('../../../schemas/', import.meta.url));

export function schemaReference(folder: string, file: SchemaFile): string {
  const target = join(schemasFolder, file);
  const path = relative(folder, target);
  return isAbsolute(path) ? pathToFileURL(target).href : path.split(sep).join('/');
}

/** `value` with `$schema` as its first key, unless it already names one (then it is left as it is). */
export function withSchemaReference<Value extends object>(value: Value, reference: string): Value {
  return Object.hasOwn(value, '$schema') ? value : { $schema: reference, ...value };
}
