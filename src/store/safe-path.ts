/**
 * @module The sandbox for file parameters: a root-relative path must resolve, links followed, inside one data
 * folder (`data/conversations/`, `data/llm_configs/`). The lexical check comes first, so `../` and absolute
 * paths elsewhere are refused before anything is touched; links are then resolved with realpath.
 */
import { realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pathShapeProblem, shortenedPath } from '../lib/path-limits.js';
import { CallError } from '../registry/call-error.js';

export interface SandboxedPath {
  /** The real path on disk (links resolved). */
  absolute: string;
  /** Canonical root-relative form, e.g. `data/conversations/demo/conversation.json`: one key per file, whatever alias was used. */
  relative: string;
}

export interface SandboxOptions {
  /** Required file name ending, e.g. `.json`. */
  extension?: string;
  /** What the folder holds, for messages: "conversation", "LLM config". */
  what: string;
}

/** `folder` is root-relative with forward slashes, e.g. `data/conversations`. */
export async function resolveInside(root: string, file: string, folder: string, options: SandboxOptions): Promise<SandboxedPath> {
  if (typeof file !== 'string' || file.trim() === '' || file.includes('\0')) {
    throw new CallError('BAD_INPUT', `a ${options.what} path must be a non-empty root-relative path such as ${folder}/<name>/...`);
  }
  const shapeProblem = pathShapeProblem(file);
  if (shapeProblem) throw new CallError('BAD_INPUT', `the ${options.what} path ${shortenedPath(file)} ${shapeProblem}`, { details: { file: file.slice(0, 200) } });
  const folderPath = resolve(root, folder);
  const candidate = isAbsolute(file) ? resolve(file) : resolve(root, file);
  const folderReal = await realpath(folderPath).catch(() => undefined);
  if (!isStrictlyInside(candidate, folderPath) && !(folderReal && isStrictlyInside(candidate, folderReal))) {
    throw new CallError('FORBIDDEN', `${file} is outside ${folder}/: ${options.what} files must be inside it`, { details: { file } });
  }
  if (options.extension && !candidate.endsWith(options.extension)) {
    throw new CallError('BAD_INPUT', `${file} is not a ${options.extension} file`, { details: { file } });
  }
  if (!folderReal) throw new CallError('NOT_FOUND', `there is no ${folder}/ folder under ${root}`, { details: { file } });
  const absolute = await realPathOf(candidate);
  if (!isStrictlyInside(absolute, folderReal)) {
    throw new CallError('FORBIDDEN', `${file} leads outside ${folder}/ through a link`, { details: { file } });
  }
  return { absolute, relative: [folder, ...relative(folderReal, absolute).split(sep)].join('/') };
}

/** Real path of a file that may not exist yet: the nearest existing ancestor is resolved, the rest appended. */
async function realPathOf(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const parent = dirname(path);
    if (parent === path) return path;
    return join(await realPathOf(parent), basename(path));
  }
}

function isStrictlyInside(path: string, folder: string): boolean {
  const rest = relative(folder, path);
  return rest !== '' && rest !== '..' && !rest.startsWith('..' + sep) && !isAbsolute(rest);
}
