/**
 * @module The key of a conversation in the database: the same canonical root-relative path the file store
 * gives (`data/conversations/<name>/conversation.json`), so steps, URLs and exported folders agree. There is no
 * disk behind it, so only the lexical checks apply: inside `data/conversations/`, a `.json` file, no `..` out.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { CallError } from '../../lib/call-error.js';
import { pathShapeProblem, shortenedPath } from '../../lib/path-limits.js';
import { conversationsFolder } from '../file/file-store.js';

export function conversationKey(root: string, file: string): string {
  if (typeof file !== 'string' || file.trim() === '' || file.includes('\0')) {
    throw new CallError(
      'BAD_INPUT',
      `a conversation path must be a non-empty root-relative path such as ${conversationsFolder}/<name>/...`,
    );
  }
  const shapeProblem = pathShapeProblem(file);
  if (shapeProblem)
    throw new CallError('BAD_INPUT', `the conversation path ${shortenedPath(file)} ${shapeProblem}`, {
      details: { file: file.slice(0, 200) },
    });
  const candidate = isAbsolute(file) ? resolve(file) : resolve(root, file);
  const inFolder = relative(resolve(root, conversationsFolder), candidate);
  if (inFolder === '' || inFolder === '..' || inFolder.startsWith('..' + sep) || isAbsolute(inFolder)) {
    throw new CallError('FORBIDDEN', `${file} is outside ${conversationsFolder}/: conversation files must be inside it`, {
      details: { file },
    });
  }
  if (!candidate.endsWith('.json')) throw new CallError('BAD_INPUT', `${file} is not a .json file`, { details: { file } });
  return [conversationsFolder, ...inFolder.split(sep)].join('/');
}

/** `data/conversations/<name>/conversation.json` -> `<name>`: the name a conversation without one is listed by. */
export function folderNameOf(key: string): string {
  const parts = key.split('/');
  return parts.length >= 4 ? parts[2]! : parts[parts.length - 1]!.replace(/\.json$/, '');
}

/** `data/conversations/<name>/settings.json`: how messages name the settings beside a conversation. */
export function settingsLabelOf(key: string): string {
  return key.replace(/[^/]+$/, 'settings.json');
}
