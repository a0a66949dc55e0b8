/** @module settings.json beside a conversation (and any other small JSON object file the watcher checks). */
import { readFile } from 'node:fs/promises';
import { fileDepthLimit, tooDeepAt } from '../../lib/json-depth.js';
import type { ConversationSettings } from '../tree/document.js';
import { invalidFileError } from '../tree/parse-tree.js';
import { storageFailure } from './storage-failure.js';
import { isPlainObject } from '../../lib/plain-object.js';
import type { Problem } from '../tree/validate.js';

/** `{}` when there is none; INVALID_FILE naming the file when it is not a JSON object with a string `llm_config`. */
export async function readSettingsFile(absolute: string, label: string): Promise<ConversationSettings> {
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
  const problem = isPlainObject(value) ? settingsProblem(value) : { pointer: '', message: 'must be a JSON object' };
  if (problem) throw invalidFileError(label, problem);
  return value as ConversationSettings;
}

export function settingsProblem(settings: Record<string, unknown>): Problem | undefined {
  const config = settings['llm_config'];
  if (config !== undefined && typeof config !== 'string')
    return { pointer: '/llm_config', message: 'must be a path under data/llm_configs/' };
  return undefined;
}
