/**
 * @module settings.json beside a conversation, checked against schemas/settings.schema.json (the schema editors
 * use), and any other small JSON object file the watcher checks (LLM configs, variables.json).
 */
import { readFile } from 'node:fs/promises';
import settingsSchema from '../../../schemas/settings.schema.json' with { type: 'json' };
import { compileSchema } from '../../lib/json-schema.js';
import { fileDepthLimit, tooDeepAt } from '../../lib/json-depth.js';
import type { ConversationSettings } from '../tree/document.js';
import { invalidFileError } from '../tree/parse-tree.js';
import { storageFailure } from './storage-failure.js';
import { isPlainObject } from '../../lib/plain-object.js';
import { firstProblem, type Problem } from '../tree/conversation-schema.js';

const settingsValidator = compileSchema(settingsSchema);

/** `{}` when there is none; INVALID_FILE naming the file and the pointer when it does not match the settings schema. */
export async function readSettingsFile(absolute: string, label: string): Promise<ConversationSettings> {
  const value = await readJsonObjectFile(absolute, label);
  const problem = settingsProblem(value);
  if (problem) throw invalidFileError(label, problem);
  return value;
}

/** `{}` when there is none; INVALID_FILE naming the file when it is not a JSON object. */
export async function readJsonObjectFile(absolute: string, label: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw storageFailure('read', label, error, 'fix the file or its permissions');
  }
  let value: unknown;
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    throw invalidFileError(label, { message: `is not valid JSON: ${(error as Error).message}` });
  }
  const tooDeep = tooDeepAt(value, fileDepthLimit);
  if (tooDeep !== undefined) throw invalidFileError(label, { message: `nests deeper than ${fileDepthLimit} levels`, pointer: tooDeep });
  if (!isPlainObject(value)) throw invalidFileError(label, { pointer: '', message: 'must be a JSON object' });
  return value;
}

export function settingsProblem(settings: unknown): Problem | undefined {
  return firstProblem(settingsValidator, settings);
}
