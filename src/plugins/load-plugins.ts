/**
 * @module Discovery: every folder under the given `workflows/` and `plugins/` folders, in name order, is imported through
 * its entry module (index.ts, index.mts or index.js) and checked. Nothing is registered here; every problem is
 * collected, one line each, so the engine can refuse to start with all of them at once.
 */
import { readdir, realpath } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkExtension, type Extension, type ExtensionKind } from './check-extension.js';

export const entryNames = ['index.ts', 'index.mts', 'index.js'] as const;

export interface ExtensionFolder {
  kind: ExtensionKind;
  /** Absolute path of a `workflows/` or `plugins/` folder; one that does not exist holds nothing. */
  folder: string;
  /** Messages name files relative to this folder (the project root, or the package's own folder). */
  labelBase: string;
}

export interface LoadResult {
  extensions: Extension[];
  problems: string[];
}

export async function loadExtensionFolders(folders: readonly ExtensionFolder[]): Promise<LoadResult> {
  const result: LoadResult = { extensions: [], problems: [] };
  const seen = new Set<string>();
  for (const { kind, folder, labelBase } of folders) {
    const real = await realpath(folder).catch(() => undefined);
    // The package's own workflows/ is the project's when branchflow runs from its clone: load it once.
    if (real === undefined || seen.has(real)) continue;
    seen.add(real);
    const entries = await readdir(folder, { withFileTypes: true });
    const names = entries
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== 'node_modules')
      .map((entry) => entry.name)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const name of names) {
      const label = (path: string): string => relative(labelBase, path).split(sep).join('/');
      const checked = await loadFolder(kind, join(folder, name), name, label);
      if (checked.extension) result.extensions.push(checked.extension);
      result.problems.push(...checked.problems);
    }
  }
  return result;
}

async function loadFolder(
  kind: ExtensionKind,
  folder: string,
  name: string,
  label: (path: string) => string,
): Promise<{ extension?: Extension; problems: string[] }> {
  const files = new Set(await readdir(folder));
  const entryName = entryNames.find((entry) => files.has(entry));
  if (entryName === undefined) {
    return {
      problems: [`${label(folder)}/: no entry module; add ${entryNames.join(', ').replace(/, (?=[^,]*$)/, ' or ')} with a default export`],
    };
  }
  const entry = join(folder, entryName);
  let module: { default?: unknown };
  try {
    module = await importEntry(entry);
  } catch (error) {
    return { problems: [`${label(entry)}: importing it failed: ${importFailure(error, entryName)}`] };
  }
  return checkExtension(module.default, kind, label(entry), name);
}

let typeScriptLoader: Promise<void> | undefined;

/**
 * Imports an entry module. A TypeScript entry under plain node (an installed package runs as JavaScript) registers
 * tsx, a dependency of the package, the first time one is met, and is imported again.
 */
async function importEntry(entry: string): Promise<{ default?: unknown }> {
  const url = pathToFileURL(entry).href;
  try {
    return (await import(url)) as { default?: unknown };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
    typeScriptLoader ??= import('tsx/esm/api').then(({ register }) => void register());
    await typeScriptLoader;
    // The failed import stays cached under its URL: ask again under another one.
    return (await import(`${url}?typescript`)) as { default?: unknown };
  }
}

function importFailure(error: unknown, entryName: string): string {
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ERR_UNKNOWN_FILE_EXTENSION') return `${message} (a ${entryName} entry needs tsx: npm install tsx)`;
  return message;
}
