/**
 * @module What the watcher makes of a settled path: whose change it was (the engine's own write, by the file
 * version it recorded, or a hand edit) and whether the file is still usable. Conversations get the full tree
 * validation, settings.json the settings schema; LLM configs and variables.json must be JSON objects.
 */
import { basename, relative, sep } from 'node:path';
import { CallError } from '../../lib/call-error.js';
import { fileKey, reappeared, type WrittenFile } from '../disk/atomic-write.js';
import type { Inspection } from '../watch/file-watcher.js';
import type { SandboxedPath } from '../disk/safe-path.js';
import { readJsonObjectFile, readSettingsFile } from '../disk/settings-file.js';
import type { TreeCache } from './tree-cache.js';
import { treeOf, type TreeLoader } from './tree-loader.js';
import type { WriteBatches } from './write-batches.js';

export interface InspectorOptions {
  /** Root-relative folders watched, with the real paths the watcher watches them at (reported paths start there). */
  conversationsFolder: string;
  llmConfigsFolder: string;
  realFolders: { folder: string; real: string | undefined }[];
  cache: TreeCache;
  loader: TreeLoader;
  batches: WriteBatches;
  /** The version of each file the engine itself wrote last. */
  ownWrites: ReadonlyMap<string, string>;
}

export function createInspector(options: InspectorOptions): (absolute: string) => Promise<Inspection> {
  const { cache, loader, batches, ownWrites } = options;

  function watchedPath(absolute: string): SandboxedPath | undefined {
    for (const { folder, real } of options.realFolders) {
      if (!real) continue;
      const rest = relative(real, absolute);
      if (rest !== '' && !rest.startsWith('..')) return { absolute, relative: [folder, ...rest.split(sep)].join('/') };
    }
    return undefined;
  }

  /** Conversations are `conversation.json` (or a file already used as one); other JSON there is settings or ignored. */
  function kindOf(file: string): 'conversation' | 'json' | undefined {
    if (file.startsWith(options.llmConfigsFolder + '/')) return 'json';
    const name = basename(file);
    if (name === 'settings.json' || name === 'variables.json') return 'json';
    if (name === 'conversation.json' || cache.get(file)) return 'conversation';
    return undefined;
  }

  function isSettings(file: string): boolean {
    return file.startsWith(options.conversationsFolder + '/') && basename(file) === 'settings.json';
  }

  return async (absolute) => {
    const file = watchedPath(absolute);
    const kind = file && kindOf(file.relative);
    if (!file || !kind) return undefined;
    if (batches.isWriting(file.relative)) return 'retry';
    let current: WrittenFile;
    try {
      current = await fileKey(absolute);
    } catch {
      // Away for the instant another process swaps in its save: look again once it is back.
      if (await reappeared(absolute)) return 'retry';
      cache.delete(file.relative);
      return { event: { type: 'removed', file: file.relative, origin: 'external' }, key: 'removed' };
    }
    if (ownWrites.get(file.relative) === current.key)
      return { event: { type: 'changed', file: file.relative, origin: 'engine' }, key: current.key };
    try {
      if (kind === 'conversation') treeOf(file, await loader.load(file));
      else if (isSettings(file.relative)) await readSettingsFile(absolute, file.relative);
      else await readJsonObjectFile(absolute, file.relative);
      return { event: { type: 'changed', file: file.relative, origin: 'external' }, key: current.key };
    } catch (error) {
      if (!(error instanceof CallError) || error.code !== 'INVALID_FILE') throw error;
      return {
        event: { type: 'invalid', file: file.relative, origin: 'external', error: { code: error.code, message: error.message } },
        key: current.key,
      };
    }
  };
}
