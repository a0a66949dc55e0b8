/**
 * @module Watches the conversations folder tree with fs.watch, one watch per folder, and tells which `.json`
 * file may have changed. Each event names its entry, so the engine's own transient entries (the lock folder, the
 * temp file, the file moved aside during a save, `.journal/`) are dropped by name, with no system call. chokidar
 * re-read the whole folder (readdir and an lstat per entry) on every event there, and a save makes about ten.
 */
import { watch, type FSWatcher } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { pathLimits } from '../../lib/path-limits.js';

export interface FolderWatchOptions {
  /** Real path of the folder to watch, with everything below it. */
  folder: string;
  /** A `.json` file at this absolute path may have been added, changed or removed. */
  changed(absolute: string): void;
  error(error: unknown, folder: string): void;
}

/**
 * Entries the engine makes and removes on every save or reply, never conversations: `<file>.lock` (and a lock
 * moved aside to be taken over, `<file>.lock-gone-<hex>`), the temp file `<file>.<digits>`, `<file>.displaced`,
 * and the journals' folder.
 */
export function isTransientEntry(name: string): boolean {
  return name === '.journal' || /\.lock(-gone-[0-9a-f]+)?$/.test(name) || /\.json\.(\d+|displaced)$/.test(name);
}

export class FolderWatch {
  readonly #options: FolderWatchOptions;
  /** Watched folders, with the `.json` names last seen in each (reported when their folder goes away). */
  readonly #folders = new Map<string, { watcher: FSWatcher; files: Set<string> }>();
  #closed = false;

  constructor(options: FolderWatchOptions) {
    this.#options = options;
  }

  /** Resolves once every folder present now is watched. */
  start(): Promise<void> {
    return this.#watch(this.#options.folder, 0, false);
  }

  close(): void {
    this.#closed = true;
    for (const { watcher } of this.#folders.values()) watcher.close();
    this.#folders.clear();
  }

  /** `announce`: the folder is new, so the files found in it are reported (a folder made with its files in it). */
  async #watch(folder: string, depth: number, announce: boolean): Promise<void> {
    if (this.#closed || this.#folders.has(folder)) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(folder, { persistent: true }, (_type, name) => this.#event(folder, depth, name));
    } catch (error) {
      // Gone already (a folder made and removed at once), or no more watches allowed: said, not thrown.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.#options.error(error, folder);
      return;
    }
    watcher.on('error', (error) => {
      this.#forget(folder);
      this.#options.error(error, folder);
    });
    this.#folders.set(folder, { watcher, files: new Set() });
    await this.#scan(folder, depth, announce);
  }

  /** Reads a watched folder: records its `.json` files (reporting them if `announce`) and watches new subfolders. */
  async #scan(folder: string, depth: number, announce: boolean): Promise<void> {
    const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
    const watched = this.#folders.get(folder);
    if (!watched) return;
    const subfolders: Promise<void>[] = [];
    for (const entry of entries) {
      if (isTransientEntry(entry.name)) continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        // Links are not followed: a linked folder inside is watched where it really is, one leading out not at all.
        if (depth + 1 < pathLimits.segments) subfolders.push(this.#watch(path, depth + 1, announce));
      } else if (entry.name.endsWith('.json')) {
        watched.files.add(entry.name);
        if (announce) this.#options.changed(path);
      }
    }
    await Promise.all(subfolders);
  }

  #event(folder: string, depth: number, name: string | Buffer | null): void {
    const watched = this.#folders.get(folder);
    if (this.#closed || !watched) return;
    if (name === null) {
      // The system did not say which entry (an overflowing event queue): look at everything there.
      for (const file of watched.files) this.#options.changed(join(folder, file));
      void this.#scan(folder, depth, true);
      return;
    }
    const entry = name.toString();
    if (isTransientEntry(entry)) return;
    const path = join(folder, entry);
    if (entry.endsWith('.json')) {
      watched.files.add(entry);
      this.#options.changed(path);
    }
    // Another name (an editor's swap file, a new folder) or a folder that is a `.json`: is it a folder now?
    if (!entry.endsWith('.json') || this.#folders.has(path)) void this.#folderEvent(path, depth + 1);
  }

  async #folderEvent(path: string, depth: number): Promise<void> {
    const stats = await lstat(path).catch(() => undefined);
    if (stats?.isDirectory()) {
      if (depth < pathLimits.segments) await this.#watch(path, depth, true);
    } else if (this.#folders.has(path)) {
      this.#removed(path);
    }
  }

  /** A watched folder went away (removed, or moved out): what was in it is reported, to be found missing. */
  #removed(folder: string): void {
    for (const [path, { files }] of [...this.#folders]) {
      if (path !== folder && !path.startsWith(folder + sep)) continue;
      this.#forget(path);
      for (const file of files) this.#options.changed(join(path, file));
    }
  }

  #forget(folder: string): void {
    this.#folders.get(folder)?.watcher.close();
    this.#folders.delete(folder);
  }
}
