/**
 * @module The sandbox for file parameters: a root-relative path must resolve, links followed, inside one data
 * folder (`data/conversations/`, `data/llm_configs/`). The lexical check comes first, so `../` and absolute
 * paths elsewhere are refused before anything is touched; links are then resolved with realpath. A `Sandbox`
 * remembers the resolved folder of each conversation and re-checks it with two lstat calls instead of resolving
 * the whole path again on every call.
 */
import { lstatSync, type Stats } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pathShapeProblem, shortenedPath } from '../../lib/path-limits.js';
import { CallError } from '../../lib/call-error.js';

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
  /**
   * The path a short name stands for (a bare name with no `/`, e.g. `branch_demo`), root-relative; without it a
   * bare name is an ordinary root-relative path (and so outside the folder).
   */
  shortName?: (name: string) => string;
}

/**
 * A short name is one path segment that is not `.`/`..`, not hidden and not absolute: the CLI's `branch_demo`.
 * Anything else (`../x`, `/etc/passwd`, `data/...`) is a path and goes through the same checks as before.
 */
export function isShortName(file: string): boolean {
  return typeof file === 'string' && /^[^/\\.\0][^/\\\0]*$/.test(file);
}

function expandShortName(file: string, options: SandboxOptions): string {
  return options.shortName && isShortName(file) ? options.shortName(file) : file;
}

/** `folder` is root-relative with forward slashes, e.g. `data/conversations`. */
export async function resolveInside(root: string, given: string, folder: string, options: SandboxOptions): Promise<SandboxedPath> {
  const file = expandShortName(given, options);
  const candidate = checkedCandidate(root, file, folder, options);
  return resolveCandidate(root, file, candidate, folder, options);
}

/** A folder one level below the sandbox folder, as it was resolved: its real path and the directory it is. */
interface ResolvedFolder {
  real: string;
  dev: number;
  ino: number;
}

/** Folders remembered per sandbox; past this, the oldest are forgotten (they are only re-resolved). */
const rememberedFolders = 10_000;

/**
 * `resolveInside` for one data folder, remembering the real path of each folder directly inside it (a
 * conversation's folder). A remembered folder is used only after two lstat calls show that nothing on the way
 * changed in a way that matters:
 * - the folder, reached by its lexical path, is still that same directory (device and inode) and not a link:
 *   being an entry of whatever the sandbox folder resolves to now, it is inside the sandbox;
 * - the file itself is not a link (a link is resolved the slow way, and refused if it leads out);
 * - when links lead to the sandbox folder (its lexical and real paths differ), the remembered real path still
 *   reaches that same directory too.
 * Anything else (a folder swapped for a link, removed, replaced; a file that is a link; deeper paths) takes the
 * full resolution. The checks are synchronous: two lstat calls on paths the kernel has just looked up cost less
 * than handing them to the thread pool.
 */
export class Sandbox {
  readonly #root: string;
  readonly #folder: string;
  readonly #options: SandboxOptions;
  readonly #folderPath: string;
  readonly #folders = new Map<string, ResolvedFolder>();

  constructor(root: string, folder: string, options: SandboxOptions) {
    this.#root = root;
    this.#folder = folder;
    this.#options = options;
    this.#folderPath = resolve(root, folder);
  }

  async resolve(given: string): Promise<SandboxedPath> {
    const file = expandShortName(given, this.#options);
    const candidate = checkedCandidate(this.#root, file, this.#folder, this.#options);
    const lexicalFolder = dirname(candidate);
    if (dirname(lexicalFolder) !== this.#folderPath) return resolveCandidate(this.#root, file, candidate, this.#folder, this.#options);
    const remembered = this.#folders.get(lexicalFolder);
    if (remembered && this.#stillValid(remembered, lexicalFolder, candidate)) {
      // Inside by its letters (one folder below the sandbox folder); the ending is the only check left.
      checkExtension(file, candidate, this.#options);
      const name = basename(candidate);
      return { absolute: join(remembered.real, name), relative: `${this.#folder}/${basename(lexicalFolder)}/${name}` };
    }
    this.#folders.delete(lexicalFolder);
    const resolved = await resolveCandidate(this.#root, file, candidate, this.#folder, this.#options);
    this.#remember(lexicalFolder, resolved);
    return resolved;
  }

  #stillValid(remembered: ResolvedFolder, lexicalFolder: string, candidate: string): boolean {
    const sameFolder = (stats: Stats | 'absent' | undefined): boolean =>
      typeof stats === 'object' && stats.isDirectory() && stats.dev === remembered.dev && stats.ino === remembered.ino;
    if (!sameFolder(lstatOf(lexicalFolder))) return false;
    if (remembered.real !== lexicalFolder && !sameFolder(lstatOf(remembered.real))) return false;
    // A file that does not exist yet is fine (its real path is the folder's plus its name); any other error is not.
    const file = lstatOf(candidate);
    return file === 'absent' || (file !== undefined && !file.isSymbolicLink());
  }

  /** Only a folder whose own name is not a link: its real path is then the sandbox folder's plus that name. */
  #remember(lexicalFolder: string, resolved: SandboxedPath): void {
    const real = dirname(resolved.absolute);
    if (
      basename(real) !== basename(lexicalFolder) ||
      resolved.relative !== `${this.#folder}/${basename(lexicalFolder)}/${basename(resolved.absolute)}`
    )
      return;
    const stats = lstatOf(real);
    if (typeof stats !== 'object' || !stats.isDirectory()) return;
    if (this.#folders.size >= rememberedFolders) this.#folders.delete(this.#folders.keys().next().value!);
    this.#folders.set(lexicalFolder, { real, dev: stats.dev, ino: stats.ino });
  }
}

/** `absent` when nothing is there; undefined on any other error (the caller then resolves the slow way). */
function lstatOf(path: string): Stats | 'absent' | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'absent' : undefined;
  }
}

/** The lexical checks: a usable path, inside the folder by its letters, with the right ending. Nothing is touched. */
function checkedCandidate(root: string, file: string, folder: string, options: SandboxOptions): string {
  if (typeof file !== 'string' || file.trim() === '' || file.includes('\0')) {
    throw new CallError('BAD_INPUT', `a ${options.what} path must be a non-empty root-relative path such as ${folder}/<name>/...`);
  }
  const shapeProblem = pathShapeProblem(file);
  if (shapeProblem)
    throw new CallError('BAD_INPUT', `the ${options.what} path ${shortenedPath(file)} ${shapeProblem}`, {
      details: { file: file.slice(0, 200) },
    });
  return isAbsolute(file) ? resolve(file) : resolve(root, file);
}

async function resolveCandidate(
  root: string,
  file: string,
  candidate: string,
  folder: string,
  options: SandboxOptions,
): Promise<SandboxedPath> {
  const folderPath = resolve(root, folder);
  const folderReal = await realpath(folderPath).catch(() => undefined);
  if (!isStrictlyInside(candidate, folderPath) && !(folderReal && isStrictlyInside(candidate, folderReal))) {
    throw new CallError('FORBIDDEN', `${file} is outside ${folder}/: ${options.what} files must be inside it`, { details: { file } });
  }
  checkExtension(file, candidate, options);
  if (!folderReal) throw new CallError('NOT_FOUND', `there is no ${folder}/ folder under ${root}`, { details: { file } });
  const absolute = await realPathOf(candidate);
  if (!isStrictlyInside(absolute, folderReal)) {
    throw new CallError('FORBIDDEN', `${file} leads outside ${folder}/ through a link`, { details: { file } });
  }
  return { absolute, relative: [folder, ...relative(folderReal, absolute).split(sep)].join('/') };
}

function checkExtension(file: string, candidate: string, options: SandboxOptions): void {
  if (options.extension && !candidate.endsWith(options.extension)) {
    throw new CallError('BAD_INPUT', `${file} is not a ${options.extension} file`, { details: { file } });
  }
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
