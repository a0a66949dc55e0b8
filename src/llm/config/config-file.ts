/**
 * @module Finding and reading config files: root-relative paths sandboxed to `data/llm_configs/` with links
 * resolved (FORBIDDEN before anything is read), `<name>.json` or `<name>/llm_config.json`, JSON parse errors
 * as INVALID_FILE with the line and column.
 */
import { lstatSync, type BigIntStats } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileDepthLimit, tooDeepAt } from '../../lib/json-depth.js';
import { pathShapeProblem, shortenedPath } from '../../lib/path-limits.js';
import { CallError } from '../../lib/call-error.js';

export const configsFolder = 'data/llm_configs';
const folderConfigName = 'llm_config.json';
/** A config is a few hundred bytes; anything this big is a mistake, not a config. */
const maxConfigBytes = 1024 * 1024;

export interface LocatedConfig {
  /** Root-relative, `/`-separated, as the caller will see it in messages and listings. */
  file: string;
  /** The real path, links resolved, known to be inside the configs folder. */
  realPath: string;
  /**
   * The file's version when it was located: device, inode, size, modification and change times. Taken before
   * the file is read, so content read after it is never older than this version says.
   */
  version: string;
  size: number;
  isFile: boolean;
}

/**
 * A short name (`mock`, `mock.json`: one path segment, not hidden) stands for a config in the folder: `mock.json`
 * as it is, `mock` as `mock.json`, or the folder config `mock/llm_config.json` when only that folder exists.
 * Anything with a `/` is a root-relative path, checked as before.
 */
async function expandShortName(root: string, file: string): Promise<string> {
  if (!/^[^/\\.\0][^/\\\0]*$/.test(file)) return file;
  if (file.endsWith('.json')) return `${configsFolder}/${file}`;
  const folderConfig = await stat(resolve(root, configsFolder, file)).then(
    (info) => info.isDirectory(),
    () => false,
  );
  return folderConfig ? `${configsFolder}/${file}` : `${configsFolder}/${file}.json`;
}

export async function locateConfigFile(root: string, given: string): Promise<LocatedConfig> {
  const file = await expandShortName(root, given);
  if (file.trim() === '' || file.includes('\0')) {
    throw new CallError('BAD_INPUT', `config file "${file}" is not a usable path; give one like ${configsFolder}/mock.json`);
  }
  const shapeProblem = pathShapeProblem(file);
  if (shapeProblem) throw new CallError('BAD_INPUT', `config file ${shortenedPath(file)} ${shapeProblem}`);
  const folder = resolve(root, configsFolder);
  const candidate = resolve(root, file);
  if (!isInside(candidate, folder)) {
    throw new CallError('FORBIDDEN', `config file ${file} is outside ${configsFolder}/; configs are only read from there`);
  }
  // Both resolutions at once: each is a trip to the thread pool, and this sits before every provider request.
  const [candidateReal, realFolder] = await Promise.all([realPathOf(candidate, file), realPathOf(folder, configsFolder)]);
  let realPath = candidateReal;
  let shown = candidate;
  let info = await statOf(realPath, file);
  if (info.isDirectory()) {
    shown = join(candidate, folderConfigName);
    realPath = await realPathOf(shown, toRootRelative(root, shown));
    info = await statOf(realPath, toRootRelative(root, shown));
  }
  if (!isInside(realPath, realFolder)) {
    throw new CallError(
      'FORBIDDEN',
      `config file ${file} leads outside ${configsFolder}/ through a link; configs are only read from there`,
    );
  }
  return { file: toRootRelative(root, shown), realPath, version: versionOf(info), size: Number(info.size), isFile: info.isFile() };
}

/** A config file directly in the configs folder, as it was located: enough to tell that nothing on the way changed. */
interface RememberedConfig {
  located: LocatedConfig;
  folderDev: bigint;
  folderIno: bigint;
  fileDev: bigint;
  fileIno: bigint;
}

/** Configs remembered per locator; past this, the oldest are forgotten (they are only located again). */
const rememberedConfigs = 1000;

/**
 * `locateConfigFile`, remembering each config file found directly in the configs folder. A config is loaded before
 * every provider request (twice per completion: its tools, then the call), and the full location is two
 * `realpath` and a `stat` through the thread pool. A remembered one is used after two synchronous lstat calls show
 * that nothing on the way changed in a way that matters (the same rule as the conversations' `Sandbox`):
 * - the configs folder, reached by its lexical path, is the same entry (device and inode; a link swapped for
 *   another link is a new inode);
 * - the file, reached by its lexical path, is not a link and is the same file (device and inode).
 * Its version (size, times) comes from that same lstat, so an edit is seen exactly as before. Anything else (a
 * link, a folder config, a file gone or replaced) takes the full location again.
 */
export class ConfigLocator {
  readonly #root: string;
  readonly #folder: string;
  readonly #remembered = new Map<string, RememberedConfig>();

  constructor(root: string) {
    this.#root = root;
    this.#folder = resolve(root, configsFolder);
  }

  async locate(given: string): Promise<LocatedConfig> {
    const remembered = this.#remembered.get(given);
    if (remembered) {
      const still = this.#stillValid(remembered);
      if (still) return still;
      this.#remembered.delete(given);
    }
    const located = await locateConfigFile(this.#root, given);
    this.#remember(given, located);
    return located;
  }

  #stillValid(remembered: RememberedConfig): LocatedConfig | undefined {
    const folder = lstatOrUndefined(this.#folder);
    if (folder === undefined || folder.dev !== remembered.folderDev || folder.ino !== remembered.folderIno) return undefined;
    const file = lstatOrUndefined(resolve(this.#root, remembered.located.file));
    if (file === undefined || !file.isFile() || file.dev !== remembered.fileDev || file.ino !== remembered.fileIno) return undefined;
    return { ...remembered.located, version: versionOf(file), size: Number(file.size) };
  }

  /**
   * Only a plain file directly in the folder, reached without a link (its real path is then its lexical one's), and
   * named by its canonical path: a short name (`mock`) may come to mean a folder config when one appears.
   */
  #remember(given: string, located: LocatedConfig): void {
    const lexical = resolve(this.#root, located.file);
    if (given !== located.file || !located.isFile || dirname(lexical) !== this.#folder) return;
    const folder = lstatOrUndefined(this.#folder);
    const file = lstatOrUndefined(lexical);
    if (folder === undefined || file === undefined || !file.isFile() || versionOf(file) !== located.version) return;
    if (this.#remembered.size >= rememberedConfigs) this.#remembered.delete(this.#remembered.keys().next().value!);
    this.#remembered.set(given, { located, folderDev: folder.dev, folderIno: folder.ino, fileDev: file.dev, fileIno: file.ino });
  }
}

function lstatOrUndefined(path: string): BigIntStats | undefined {
  try {
    return lstatSync(path, { bigint: true });
  } catch {
    return undefined;
  }
}

export async function readConfigJson(located: LocatedConfig): Promise<unknown> {
  if (!located.isFile) throw new CallError('NOT_FOUND', `config file ${located.file} is not a file`);
  if (located.size > maxConfigBytes) {
    throw new CallError('INVALID_FILE', `config file ${located.file} is ${located.size} bytes; a config is at most ${maxConfigBytes}`);
  }
  return parseConfigJson(await readFile(located.realPath, 'utf8'), located.file);
}

/** Any write, rename over, or `touch` changes one of these (times in nanoseconds). */
function versionOf(info: BigIntStats): string {
  return `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
}

export function parseConfigJson(text: string, file: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (error) {
    const reason = (error as Error).message;
    const position = Number(/position (\d+)/.exec(reason)?.[1] ?? Number.NaN);
    const where = Number.isNaN(position) ? undefined : lineAndColumn(text, position);
    const at = where ? ` at line ${where.line} column ${where.column}` : '';
    throw new CallError('INVALID_FILE', `config file ${file} is not valid JSON${at}: ${reason}`, {
      details: [{ field: '', message: reason, keyword: 'json', params: { file, ...where } }],
    });
  }
  // Before the schema and the placeholders, which recurse: a file nested thousands deep would overflow the stack.
  const tooDeep = tooDeepAt(value, fileDepthLimit);
  if (tooDeep !== undefined) {
    throw new CallError('INVALID_FILE', `config file ${file} nests deeper than ${fileDepthLimit} levels at ${tooDeep}`, {
      details: [{ field: tooDeep, message: `nests deeper than ${fileDepthLimit} levels`, keyword: 'depth', params: { file } }],
    });
  }
  return value;
}

/** The candidate config files: `*.json` directly in the folder and `<name>/llm_config.json`, sorted. */
export async function findConfigFiles(root: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(resolve(root, configsFolder), { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.')) continue;
    if (entry.name.endsWith('.json') && !entry.isDirectory()) files.push(`${configsFolder}/${entry.name}`);
    else if (entry.isDirectory() || entry.isSymbolicLink()) {
      const inner = `${configsFolder}/${entry.name}/${folderConfigName}`;
      if (await exists(resolve(root, inner))) files.push(inner);
    }
  }
  return files;
}

function isInside(child: string, parent: string): boolean {
  const path = relative(parent, child);
  return path !== '' && !path.startsWith('..' + sep) && path !== '..' && !isAbsolute(path);
}

async function realPathOf(path: string, shown: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new CallError('NOT_FOUND', `no config file ${shown}`);
    if (code === 'EACCES' || code === 'EPERM') throw new CallError('FORBIDDEN', `config file ${shown} cannot be read (permission denied)`);
    throw error;
  }
}

async function statOf(path: string, shown: string): Promise<BigIntStats> {
  try {
    return await stat(path, { bigint: true });
  } catch (error) {
    // Gone between its realpath and this stat: the same answer as if it had been gone before.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new CallError('NOT_FOUND', `no config file ${shown}`);
    throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    (info) => info.isFile(),
    () => false,
  );
}

function toRootRelative(root: string, path: string): string {
  return relative(resolve(root), path).split(sep).join('/');
}

function lineAndColumn(text: string, position: number): { line: number; column: number } {
  const before = text.slice(0, position).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}
