/**
 * @module The embedded ConversationStore: conversation files under `data/conversations/`, sandboxed, cached
 * parsed and kept current in place, changed in per-file batches under a cross-process lock, written atomically
 * (big files on the writer thread), and watched for hand edits.
 */
import { mkdir, readdir, readFile, realpath, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { lock } from 'proper-lockfile';
import type { Logger } from '../lib/logger.js';
import { CallError } from '../registry/call-error.js';
import { fileKey, writeDurably, type WrittenFile } from './atomic-write.js';
import type {
  ConversationDoc,
  ConversationSettings,
  ConversationStore,
  ConversationSummary,
  DocChange,
  Mutation,
  StoreStatus,
  WatchEvent,
} from './conversation-store.js';
import { createDraft } from './draft.js';
import { FileWatcher, type Inspection } from './file-watcher.js';
import { freezeTree } from './freeze.js';
import { invalidFileError, parseTree, serialiseTree } from './parse-tree.js';
import { resolveInside, type SandboxedPath } from './safe-path.js';
import { readSettingsFile, settingsProblem } from './settings-file.js';
import { TreeCache, type CachedTree } from './tree-cache.js';
import { validateDoc } from './tree-validate.js';
import { WatchHub } from './watch-hub.js';
import { WriteBatches, type BatchHost, type Plan } from './write-batches.js';
import { WriterThreadClient } from './writer-thread-client.js';
import type { ParseReply, WriteReply } from './writer-thread.js';

export interface FileStoreOptions {
  /** The project root; every file parameter is relative to it. */
  root: string;
  logger: Logger;
  /**
   * A server: start the file watcher now (otherwise it starts with the first `watch()` subscriber), and the
   * writer thread too (it takes about half a second to start; a CLI only starts it when a big file needs it).
   */
  watch?: boolean;
  /** Files at least this big are parsed and written on the writer thread. Default 256 KiB; `Infinity`: never. */
  workerThreshold?: number;
  /** Bytes of parsed files kept in memory (counted by file size). Default 512 MiB. */
  cacheBytes?: number;
  /** A lock older than this is taken over: its holder died. Default 10 s (proper-lockfile's minimum is 2 s). */
  lockStaleMs?: number;
  /** How long a changed file must be quiet before the watcher looks at it. Default 150 ms. */
  settleMs?: number;
}

export interface FileStore extends ConversationStore {
  /** Starts the watcher if needed; resolves once it has finished its first scan. */
  watcherReady(): Promise<void>;
}

export const conversationsFolder = 'data/conversations';
export const llmConfigsFolder = 'data/llm_configs';

export function createFileStore(options: FileStoreOptions): FileStore {
  return new ConversationFiles(options);
}

class ConversationFiles implements FileStore, BatchHost {
  readonly #root: string;
  readonly #logger: Logger;
  readonly #threshold: number;
  readonly #lockStaleMs: number;
  readonly #settleMs: number;
  readonly #cache: TreeCache;
  readonly #writer = new WriterThreadClient();
  readonly #batches: WriteBatches;
  readonly #hub: WatchHub;
  readonly #loading = new Map<string, Promise<CachedTree>>();
  readonly #resolving = new Map<string, Promise<unknown>>();
  readonly #cleaned = new Set<string>();
  /** The version of each file the engine itself wrote last: a watcher event at that version is the engine's. */
  readonly #ownWrites = new Map<string, string>();
  #watcher: FileWatcher | undefined;
  #watcherStart: Promise<FileWatcher> | undefined;
  #closed = false;

  constructor(options: FileStoreOptions) {
    this.#root = options.root;
    this.#logger = options.logger;
    this.#threshold = options.workerThreshold ?? 256 * 1024;
    this.#lockStaleMs = options.lockStaleMs ?? 10_000;
    this.#settleMs = options.settleMs ?? 150;
    this.#cache = new TreeCache(options.cacheBytes ?? 512 * 1024 * 1024);
    this.#batches = new WriteBatches(this);
    this.#hub = new WatchHub(options.logger);
    if (options.watch) {
      void this.watcherReady().catch((error) => this.#logger.error('file watcher did not start', { error }));
      if (Number.isFinite(this.#threshold)) void this.#writer.request({ kind: 'forget', file: '' }).catch(() => undefined);
    }
  }

  async resolve(file: string): Promise<string> {
    return (await this.#sandbox(file)).relative;
  }

  async read(file: string): Promise<ConversationDoc> {
    return this.#committedTree(await this.#sandbox(file));
  }

  update<Result>(file: string, change: (doc: ConversationDoc) => Result | Promise<Result>): Promise<{ doc: ConversationDoc; result: Result }> {
    return this.commit(file, async (doc) => {
      const draft = createDraft(doc);
      const result = await change(draft.doc);
      return { changes: draft.finish(), result: () => result };
    });
  }

  async commit<Result>(
    file: string,
    plan: (doc: ConversationDoc) => Mutation<Result> | Promise<Mutation<Result>>,
  ): Promise<{ doc: ConversationDoc; result: Result }> {
    if (this.#closed) throw new CallError('INTERNAL', 'the conversation store is closed');
    const sandboxed = await this.#sandboxInOrder(file);
    return (await this.#batches.enqueue(sandboxed, plan as Plan)) as { doc: ConversationDoc; result: Result };
  }

  async create(file: string, doc: ConversationDoc, settings: ConversationSettings): Promise<void> {
    const sandboxed = await this.#sandbox(file);
    const problem = validateDoc(doc) ?? settingsProblem(settings);
    if (problem) throw new CallError('BAD_INPUT', `the new conversation ${sandboxed.relative} would be invalid at ${problem.pointer || '/'}: ${problem.message}`);
    const stored = { ...settings };
    if (typeof settings.llm_config === 'string') stored.llm_config = await this.#existingConfig(settings.llm_config);
    const folder = dirname(sandboxed.absolute);
    await mkdir(dirname(folder), { recursive: true });
    try {
      await mkdir(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      throw new CallError('CONFLICT', `${dirname(sandboxed.relative)}/ already exists`, { details: { file: sandboxed.relative } });
    }
    try {
      const text = serialiseTree(doc);
      const written = await writeDurably(sandboxed.absolute, text);
      const settingsFile = join(folder, 'settings.json');
      const settingsWritten = await writeDurably(settingsFile, JSON.stringify(stored, null, 2) + '\n');
      this.#ownWrites.set(sandboxed.relative, written.key);
      this.#ownWrites.set(`${dirname(sandboxed.relative)}/settings.json`, settingsWritten.key);
      this.#cache.set(sandboxed.relative, { doc: freezeTree(JSON.parse(text) as ConversationDoc), ...written });
    } catch (error) {
      await rm(folder, { recursive: true, force: true });
      throw error;
    }
  }

  async readSettings(file: string): Promise<ConversationSettings> {
    const sandboxed = await this.#sandbox(file);
    const settingsFile = join(dirname(sandboxed.absolute), 'settings.json');
    return readSettingsFile(settingsFile, `${dirname(sandboxed.relative)}/settings.json`);
  }

  async list(): Promise<ConversationSummary[]> {
    let entries;
    try {
      entries = await readdir(join(this.#root, conversationsFolder), { withFileTypes: true });
    } catch {
      return [];
    }
    const summaries: ConversationSummary[] = [];
    for (const entry of entries) {
      if (!entry.isDirectory() && !entry.isSymbolicLink()) continue;
      const summary = await this.#summary(`${conversationsFolder}/${entry.name}/conversation.json`, entry.name);
      if (summary) summaries.push(summary);
    }
    return summaries.sort((a, b) => (b.updated_at ?? '').localeCompare(a.updated_at ?? '') || a.file.localeCompare(b.file));
  }

  watch(signal: AbortSignal): AsyncIterable<WatchEvent> {
    void this.watcherReady().catch((error) => this.#logger.error('file watcher did not start', { error }));
    return this.#hub.subscribe(signal);
  }

  status(): StoreStatus {
    return { watching: this.#watcher?.watching ?? false };
  }

  async watcherReady(): Promise<void> {
    if (this.#closed) throw new CallError('INTERNAL', 'the conversation store is closed');
    this.#watcherStart ??= this.#startWatcher();
    await (await this.#watcherStart).ready;
  }

  async #startWatcher(): Promise<FileWatcher> {
    const folders: string[] = [];
    for (const folder of [conversationsFolder, llmConfigsFolder]) {
      const real = await realpath(join(this.#root, folder)).catch(() => undefined);
      if (real) folders.push(real);
    }
    this.#watcher = new FileWatcher({
      folders,
      settleMs: this.#settleMs,
      logger: this.#logger,
      inspect: (path) => this.#inspect(path),
      emit: (event) => this.#hub.publish(event),
    });
    return this.#watcher;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await (await this.#watcherStart?.catch(() => undefined))?.close();
    this.#hub.close();
    await this.#batches.idle();
    await this.#writer.close();
  }

  // BatchHost: what a write batch needs from the store.

  /**
   * The cross-process lock (`<file>.lock`, a folder; proper-lockfile). Only "held by someone else" is retried,
   * for about forty seconds: longer than `stale`, so a lock left by a killed process is taken over. Anything
   * else (the folder is gone) fails at once.
   */
  async lock(file: SandboxedPath): Promise<() => Promise<void>> {
    const giveUp = Date.now() + 40_000;
    for (let delay = 5; ; delay = Math.min(delay * 1.5, 100)) {
      try {
        const release = await lock(file.absolute, {
          realpath: false,
          stale: this.#lockStaleMs,
          onCompromised: (error) => this.#logger.warn('a conversation lock was lost', { file: file.relative, error }),
        });
        await this.#removeOrphanedTempFiles(file);
        return () => release().catch((error) => this.#logger.warn('could not release a conversation lock', { file: file.relative, error }));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') throw new CallError('NOT_FOUND', `no conversation at ${file.relative}`, { details: { file: file.relative } });
        if (code !== 'ELOCKED') throw new CallError('INTERNAL', `could not lock ${file.relative}: ${(error as Error).message}`, { cause: error });
        if (Date.now() > giveUp) {
          throw new CallError('CONFLICT', `${file.relative} stayed locked by another process (${file.relative}.lock); try again`, { cause: error });
        }
        await new Promise((resolve) => setTimeout(resolve, delay * (0.5 + Math.random())));
      }
    }
  }

  /**
   * A writer killed between creating its temp file and renaming it leaves `<file>.<number>` behind. Under the
   * lock no other engine writer can have one in flight, so the first time this store locks a file it clears them.
   */
  async #removeOrphanedTempFiles(file: SandboxedPath): Promise<void> {
    if (this.#cleaned.has(file.relative)) return;
    this.#cleaned.add(file.relative);
    const name = basename(file.absolute);
    const pattern = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.\\d+$`);
    const siblings = await readdir(dirname(file.absolute)).catch(() => [] as string[]);
    for (const sibling of siblings.filter((entry) => pattern.test(entry))) {
      await rm(join(dirname(file.absolute), sibling), { force: true });
      this.#logger.info('removed a temp file left by an interrupted write', { file: `${dirname(file.relative)}/${sibling}` });
    }
  }

  async loadFresh(file: SandboxedPath): Promise<CachedTree & { doc: ConversationDoc }> {
    const entry = await this.#load(file);
    treeOf(file, entry);
    return entry as CachedTree & { doc: ConversationDoc };
  }

  async write(file: SandboxedPath, doc: ConversationDoc, base: CachedTree, changes: DocChange[]): Promise<WrittenFile | 'stale'> {
    if (base.size >= this.#threshold) {
      const reply = await this.#writer.request<WriteReply>({ kind: 'write', file: file.absolute, baseKey: base.key, changes });
      return reply.stale ? 'stale' : reply;
    }
    if ((await fileKey(file.absolute)).key !== base.key) return 'stale';
    return writeDurably(file.absolute, serialiseTree(doc));
  }

  committed(file: SandboxedPath, doc: ConversationDoc, written: WrittenFile): void {
    this.#ownWrites.set(file.relative, written.key);
    this.#cache.set(file.relative, { doc, ...written }, (other) => this.#batches.isWriting(other));
  }

  discard(file: SandboxedPath): void {
    this.#cache.delete(file.relative);
    void this.#writer.request({ kind: 'forget', file: file.absolute }).catch(() => undefined);
  }

  // Internals.

  /**
   * The tree as it is on disk. While a batch has changes applied but not yet written, wait for the commit and
   * take the tree at that instant (no later batch can apply before this continuation runs: it needs I/O first).
   */
  async #committedTree(file: SandboxedPath): Promise<ConversationDoc> {
    const cachedNow = (): ConversationDoc | undefined => this.#cache.get(file.relative)?.doc;
    if (this.#batches.insidePlanFor(file.relative)) {
      const own = cachedNow();
      if (own) return own;
    }
    for (;;) {
      const entry = await this.#load(file);
      if (!this.#batches.isDirty(file.relative)) return this.#batches.publish(treeOf(file, entry));
      await this.#batches.whenClean(file.relative);
      const committed = cachedNow();
      if (committed && !this.#batches.isDirty(file.relative)) return this.#batches.publish(committed);
    }
  }

  #sandbox(file: string): Promise<SandboxedPath> {
    return resolveInside(this.#root, file, conversationsFolder, { extension: '.json', what: 'conversation' });
  }

  /**
   * Resolving a path takes a few system calls; two changes to one file made in a row must still queue in the
   * order they were made, so resolutions of the same file parameter finish in call order.
   */
  #sandboxInOrder(file: string): Promise<SandboxedPath> {
    const previous = this.#resolving.get(file) ?? Promise.resolve();
    const resolved = previous.catch(() => undefined).then(() => this.#sandbox(file));
    const settled = resolved.catch(() => undefined);
    this.#resolving.set(file, settled);
    void settled.then(() => {
      if (this.#resolving.get(file) === settled) this.#resolving.delete(file);
    });
    return resolved;
  }

  /** The current version of the file, parsed and validated once per version (concurrent loads share one parse). */
  #load(file: SandboxedPath): Promise<CachedTree> {
    const loading = this.#loading.get(file.relative);
    if (loading) return loading;
    const promise = this.#loadNow(file).finally(() => this.#loading.delete(file.relative));
    this.#loading.set(file.relative, promise);
    return promise;
  }

  async #loadNow(file: SandboxedPath): Promise<CachedTree> {
    const stats = await stat(file.absolute).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') {
        throw new CallError('NOT_FOUND', `no conversation at ${file.relative}`, { details: { file: file.relative } });
      }
      throw error;
    });
    if (!stats.isFile()) throw new CallError('NOT_FOUND', `${file.relative} is not a file`, { details: { file: file.relative } });
    const current = await fileKey(file.absolute);
    const cached = this.#cache.get(file.relative);
    if (cached?.key === current.key) return cached;
    const entry: CachedTree =
      current.size >= this.#threshold ? await this.#writer.request<ParseReply>({ kind: 'parse', file: file.absolute }) : await parseHere(file.absolute);
    if (entry.doc) freezeTree(entry.doc);
    this.#cache.set(file.relative, entry, (other) => this.#batches.isWriting(other));
    return entry;
  }

  async #summary(file: string, folderName: string): Promise<ConversationSummary | undefined> {
    try {
      const sandboxed = await this.#sandbox(file);
      const doc = await this.#committedTree(sandboxed);
      const summary: ConversationSummary = {
        file: sandboxed.relative,
        name: typeof doc.name === 'string' && doc.name !== '' ? doc.name : folderName,
        nodes_count: Object.keys(doc.nodes).length,
      };
      if (typeof doc.updated_at === 'string') summary.updated_at = doc.updated_at;
      return summary;
    } catch (error) {
      if (!(error instanceof CallError) || error.code !== 'INVALID_FILE') return undefined;
      return { file, name: folderName, nodes_count: 0, error: { code: error.code, message: error.message } };
    }
  }

  async #existingConfig(file: string): Promise<string> {
    const config = await resolveInside(this.#root, file, llmConfigsFolder, { extension: '.json', what: 'LLM config' });
    const found = await stat(config.absolute).catch(() => undefined);
    if (!found?.isFile()) throw new CallError('NOT_FOUND', `no LLM config at ${config.relative}`, { details: { file: config.relative } });
    return config.relative;
  }

  async #inspect(absolute: string): Promise<Inspection> {
    const file = await this.#watchedPath(absolute);
    if (!file) return undefined;
    const kind = this.#kindOf(file.relative);
    if (!kind) return undefined;
    if (this.#batches.isWriting(file.relative)) return 'retry';
    let current: WrittenFile;
    try {
      current = await fileKey(absolute);
    } catch {
      this.#cache.delete(file.relative);
      return { event: { type: 'removed', file: file.relative, origin: 'external' }, key: 'removed' };
    }
    if (this.#ownWrites.get(file.relative) === current.key) return { event: { type: 'changed', file: file.relative, origin: 'engine' }, key: current.key };
    try {
      if (kind === 'conversation') treeOf(file, await this.#load(file));
      else await readSettingsFile(absolute, file.relative);
      return { event: { type: 'changed', file: file.relative, origin: 'external' }, key: current.key };
    } catch (error) {
      if (!(error instanceof CallError) || error.code !== 'INVALID_FILE') throw error;
      return { event: { type: 'invalid', file: file.relative, origin: 'external', error: { code: error.code, message: error.message } }, key: current.key };
    }
  }

  async #watchedPath(absolute: string): Promise<SandboxedPath | undefined> {
    for (const folder of [conversationsFolder, llmConfigsFolder]) {
      const real = await realpath(join(this.#root, folder)).catch(() => undefined);
      if (!real) continue;
      const rest = relative(real, absolute);
      if (rest !== '' && !rest.startsWith('..')) return { absolute, relative: [folder, ...rest.split(sep)].join('/') };
    }
    return undefined;
  }

  /** Conversations are `conversation.json` (or a file already used as one); other JSON there is settings or ignored. */
  #kindOf(file: string): 'conversation' | 'json' | undefined {
    if (file.startsWith(llmConfigsFolder + '/')) return 'json';
    const name = basename(file);
    if (name === 'settings.json' || name === 'variables.json') return 'json';
    if (name === 'conversation.json' || this.#cache.get(file)) return 'conversation';
    return undefined;
  }
}

function treeOf(file: SandboxedPath, entry: CachedTree): ConversationDoc {
  if (entry.problem) throw invalidFileError(file.relative, entry.problem);
  return entry.doc;
}

/** Small files are parsed on the main thread; a file that changes while being read is read again. */
async function parseHere(absolute: string): Promise<CachedTree> {
  for (;;) {
    const before = await fileKey(absolute);
    const text = await readFile(absolute, 'utf8');
    const after = await fileKey(absolute);
    if (after.key !== before.key) continue;
    const parsed = parseTree(text);
    return parsed.doc ? { doc: parsed.doc, ...after } : { problem: parsed.problem, ...after };
  }
}
