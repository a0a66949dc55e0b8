/**
 * @module The file watcher (chokidar) over the data folders. A path must be quiet for a settle delay before it
 * is looked at, so an editor's temp-file-and-rename or truncate-then-write save is seen once, finished. A file
 * that looks invalid gets a second look after another delay and is reported only if it has not changed since:
 * the half-written moment of a slow save is not an `invalid`.
 */
import { watch, type FSWatcher } from 'chokidar';
import type { Logger } from '../lib/logger.js';
import type { WatchEvent } from './conversation-store.js';

/** What the store makes of a settled path: an event (with the file version it saw), "look again later", or nothing. */
export type Inspection = { event: WatchEvent; key: string } | 'retry' | undefined;

export interface FileWatcherOptions {
  /** Absolute (real) folders to watch. */
  folders: string[];
  settleMs: number;
  logger: Logger;
  inspect(absolutePath: string): Promise<Inspection>;
  emit(event: WatchEvent): void;
}

export class FileWatcher {
  readonly #options: FileWatcherOptions;
  readonly #chokidar: FSWatcher;
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
    this.#chokidar = watch(options.folders, {
      ignoreInitial: true,
      // Lock folders and the generation journals change constantly and are never conversations.
      ignored: (path) => /\.lock(\/|$)|\/\.journal(\/|$)/.test(path),
    });
    const onPath = (path: string): void => {
      if (path.endsWith('.json')) this.#schedule(path, options.settleMs);
    };
    this.#chokidar.on('add', onPath).on('change', onPath).on('unlink', onPath);
    this.#chokidar.on('error', (error) => options.logger.warn('file watcher error', { error }));
    this.ready = new Promise((resolve) =>
      this.#chokidar.once('ready', () => {
        this.#ready = true;
        resolve();
      }),
    );
  }

  get watching(): boolean {
    return this.#ready && !this.#closed;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    await this.#chokidar.close();
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
