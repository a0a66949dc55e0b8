/**
 * @module The file watcher over the data folders: the conversations through `FolderWatch` (fs.watch, entries
 * filtered by name), the LLM configs through chokidar. A path must be quiet for a settle delay before it
 * is looked at, so an editor's temp-file-and-rename or truncate-then-write save is seen once, finished. A file
 * that looks invalid gets a second look after another delay and is reported only if it has not changed since:
 * the half-written moment of a slow save is not an `invalid`.
 */
import { watch, type FSWatcher } from 'chokidar';
import type { Logger } from '../../lib/logger.js';
import type { WatchEvent } from './watch-event.js';
import { FolderWatch } from './folder-watch.js';

/** What the store makes of a settled path: an event (with the file version it saw), "look again later", or nothing. */
export type Inspection = { event: WatchEvent; key: string } | 'retry' | undefined;

export interface FileWatcherOptions {
  /** Absolute (real) path of the conversations folder, if there is one: saves change it on every reply. */
  conversations: string | undefined;
  /** Other absolute (real) folders to watch (LLM configs), which change rarely. */
  folders: string[];
  settleMs: number;
  logger: Logger;
  inspect(absolutePath: string): Promise<Inspection>;
  emit(event: WatchEvent): void;
}

export class FileWatcher {
  readonly #options: FileWatcherOptions;
  readonly #chokidar: FSWatcher | undefined;
  readonly #conversations: FolderWatch | undefined;
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #running = new Set<string>();
  readonly #again = new Set<string>();
  /** Paths that looked invalid once, with the version seen: reported if the next look finds the same version. */
  readonly #suspect = new Map<string, string>();
  /** The last thing reported per path, so late duplicate notifications of one change stay silent. */
  readonly #reported = new Map<string, string>();
  #ready = false;
  #closed = false;
  readonly ready: Promise<void>;

  constructor(options: FileWatcherOptions) {
    this.#options = options;
    const onPath = (path: string): void => {
      if (path.endsWith('.json')) this.#schedule(path, options.settleMs);
    };
    const started: Promise<void>[] = [];
    if (options.conversations !== undefined) {
      this.#conversations = new FolderWatch({
        folder: options.conversations,
        changed: onPath,
        error: (error, folder) => options.logger.warn('file watcher error', { folder, error }),
      });
      started.push(this.#conversations.start());
    }
    if (options.folders.length > 0) {
      const chokidar = watch(options.folders, {
        ignoreInitial: true,
        // Lock folders and the generation journals change constantly and are never conversations.
        ignored: (path) => /\.lock(\/|$)|\/\.journal(\/|$)/.test(path),
      });
      chokidar.on('add', onPath).on('change', onPath).on('unlink', onPath);
      chokidar.on('error', (error) => options.logger.warn('file watcher error', { error }));
      started.push(new Promise((resolve) => chokidar.once('ready', () => resolve())));
      this.#chokidar = chokidar;
    }
    this.ready = Promise.all(started).then(() => {
      this.#ready = true;
    });
  }

  get watching(): boolean {
    return this.#ready && !this.#closed;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#conversations?.close();
    await this.#chokidar?.close();
  }

  #schedule(path: string, delay: number): void {
    if (this.#closed) return;
    clearTimeout(this.#timers.get(path));
    this.#timers.set(
      path,
      setTimeout(() => {
        this.#timers.delete(path);
        void this.#look(path);
      }, delay),
    );
  }

  async #look(path: string): Promise<void> {
    if (this.#running.has(path)) {
      this.#again.add(path);
      return;
    }
    this.#running.add(path);
    try {
      const inspection = await this.#options.inspect(path);
      if (inspection === 'retry') this.#schedule(path, this.#options.settleMs);
      else if (inspection) this.#report(path, inspection);
    } catch (error) {
      this.#options.logger.warn('could not look at a changed file', { path, error });
    } finally {
      this.#running.delete(path);
      if (this.#again.delete(path)) this.#schedule(path, this.#options.settleMs);
    }
  }

  #report(path: string, { event, key }: { event: WatchEvent; key: string }): void {
    if (event.type === 'invalid' && this.#suspect.get(path) !== key) {
      this.#suspect.set(path, key);
      this.#schedule(path, this.#options.settleMs * 2);
      return;
    }
    this.#suspect.delete(path);
    const signature = `${event.type}:${event.origin}:${key}`;
    if (this.#reported.get(path) === signature || this.#closed) return;
    this.#reported.set(path, signature);
    this.#options.emit(event);
  }
}
