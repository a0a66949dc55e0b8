/**
 * @module The embedded ConversationStore: conversation files under `data/conversations/`, sandboxed, cached
 * parsed and kept current in place, changed in per-file batches under a cross-process lock, written atomically
 * (big files on the writer thread), and watched for hand edits.
 */
import { mkdir, readdir, realpath, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { moveFolder, removeFolder, type FolderHost } from './folder-moves.js';
import type { Logger } from '../../lib/logger.js';
import { CallError } from '../../lib/call-error.js';
import { replaceIfUnchanged, writeDurably, type WrittenFile } from '../disk/atomic-write.js';
import type { ConversationDoc, ConversationSettings, DocChange, Mutation } from '../tree/document.js';
import type { ConversationStore, ConversationSummary, StoreStatus } from '../conversation-store.js';
import type { WatchEvent } from '../watch/watch-event.js';
import { readAttachmentFile, writeAttachmentFile } from './attachment-files.js';
import { createInspector } from './change-inspector.js';
import { draftPlan } from './draft.js';
import { lockFile, removeOrphanedTempFiles } from '../disk/file-lock.js';
import { FileWatcher } from '../watch/file-watcher.js';
import { freezeTree } from './freeze.js';
import { serialiseTree } from '../tree/parse-tree.js';
import { resolveInside, Sandbox, type SandboxedPath } from '../disk/safe-path.js';
import { readSettingsFile, settingsProblem } from '../disk/settings-file.js';
import { schemaReference, withSchemaReference } from '../disk/schema-reference.js';
import { storageFailure } from '../disk/storage-failure.js';
import { TreeCache, type CachedTree } from './tree-cache.js';
import { TreeLoader, treeOf } from './tree-loader.js';
import { validateDoc } from '../tree/validate.js';
import { WatchHub } from '../watch/watch-hub.js';
import { WriteBatches, type BatchHost } from './write-batches.js';
import { WriterThreadClient } from '../disk/writer-thread-client.js';
import type { WriteReply } from '../disk/writer-thread.js';
import { RecentSaves } from './recent-saves.js';
import { AsideEdits, type AsideEdit } from './aside-edits.js';
import {
  readRecoveryRecord,
  writeRecoveryRecord,
  type AsideEditRecord,
  type RecoveryRecord,
  type RemovedNodesRecord,
} from './recovery-records.js';
import { editDifferences, hasEdits } from '../tree/edit-diff.js';
import { parseTree } from '../tree/parse-tree.js';

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
  /**
   * Nodes the engine saved within this many ms are kept in a recovery file when an outside write removes them
   * (`BRANCHFLOW_KEEP_REMOVED_MS`). Default 10 minutes; 0 turns it off.
   */
  keepRemovedMs?: number;
  /** When a version a save moved aside is looked at again for an in-place edit written into it. Default 250 ms and 2 s. */
  asideCheckDelaysMs?: readonly number[];
}

export interface FileStore extends ConversationStore {
  /** Starts the watcher if needed; resolves once it has finished its first scan. */
  watcherReady(): Promise<void>;
  /**
   * Start-up: puts back conversation files that a process killed in the middle of a save left moved aside,
   * and clears that save's leftovers. Returns the files put back or cleared.
   */
  finishInterruptedSaves(): Promise<string[]>;
}

/** How long nodes the engine saved are watched for an outside write that removes them, by default. */
export const defaultKeepRemovedMs = 10 * 60 * 1000;

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
  readonly #loader: TreeLoader;
  readonly #hub: WatchHub;
  readonly #conversations: Sandbox;
  readonly #resolving = new Map<string, Promise<unknown>>();
  readonly #cleaned = new Set<string>();
  /** The version of each file the engine itself wrote last: a watcher event at that version is the engine's. */
  readonly #ownWrites = new Map<string, string>();
  readonly #recent: RecentSaves;
  readonly #keepRemovedMs: number;
  readonly #aside: AsideEdits;
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
    this.#keepRemovedMs = options.keepRemovedMs ?? defaultKeepRemovedMs;
    this.#recent = new RecentSaves(this.#keepRemovedMs);
    this.#aside = new AsideEdits((edit) => this.#keepAsideEdit(edit), options.asideCheckDelaysMs);
    this.#loader = new TreeLoader({
      cache: this.#cache,
      writer: this.#writer,
      batches: this.#batches,
      threshold: this.#threshold,
      parsed: (file, doc, key) => this.#noticeRemovals(file, doc, key),
    });
    this.#hub = new WatchHub(options.logger);
    this.#conversations = new Sandbox(options.root, conversationsFolder, {
      extension: '.json',
      what: 'conversation',
      shortName: (name) => `${conversationsFolder}/${name}/conversation.json`,
    });
    if (options.watch) {
      void this.watcherReady().catch((error) => this.#logger.error('file watcher did not start', { error }));
      if (Number.isFinite(this.#threshold)) void this.#writer.request({ kind: 'forget', file: '' }).catch(() => undefined);
    }
  }

  async resolve(file: string): Promise<string> {
    return (await this.#sandbox(file)).relative;
  }

  async read(file: string): Promise<ConversationDoc> {
    const running = this.#batches.runningPlan();
    const sandboxed = await this.#sandbox(file);
    if (running?.relative === sandboxed.relative) return running.doc;
    return this.#loader.committedTree(sandboxed);
  }

  update<Result>(
    file: string,
    change: (doc: ConversationDoc) => Result | Promise<Result>,
  ): Promise<{ doc: ConversationDoc; result: Result }> {
    return this.commit(file, draftPlan(change));
  }

  async commit<Result>(
    file: string,
    plan: (doc: ConversationDoc) => Mutation<Result> | Promise<Mutation<Result>>,
  ): Promise<{ doc: ConversationDoc; result: Result }> {
    if (this.#closed) throw new CallError('INTERNAL', 'the conversation store is closed');
    const sandboxed = await this.#sandboxInOrder(file);
    return (await this.#batches.enqueue(sandboxed, plan)) as { doc: ConversationDoc; result: Result };
  }

  async writeAttachment(file: string, bytes: Buffer, extension: string): Promise<string> {
    return writeAttachmentFile((await this.#sandbox(file)).absolute, bytes, extension);
  }

  async readAttachment(file: string, reference: string, where: string): Promise<Buffer> {
    const sandboxed = await this.#sandbox(file);
    return readAttachmentFile(sandboxed.absolute, sandboxed.relative, reference, where);
  }

  async create(file: string, doc: ConversationDoc, settings: ConversationSettings): Promise<void> {
    // A root set up by hand may lack the folder: the first conversation creates it (inside the root, as always).
    await mkdir(resolve(this.#root, conversationsFolder), { recursive: true }).catch(() => undefined);
    const sandboxed = await this.#sandbox(file);
    const problem = validateDoc(doc) ?? settingsProblem(settings);
    if (problem)
      throw new CallError(
        'BAD_INPUT',
        `the new conversation ${sandboxed.relative} would be invalid at ${problem.pointer || '/'}: ${problem.message}`,
      );
    const folder = dirname(sandboxed.absolute);
    // New files name the schema they follow, so an editor checks hand edits by the rules the engine applies.
    const stored = withSchemaReference({ ...settings }, schemaReference(folder, 'settings.schema.json'));
    if (typeof settings.llm_config === 'string') stored.llm_config = await this.#existingConfig(settings.llm_config);
    const tree = withSchemaReference(doc, schemaReference(folder, 'conversation.schema.json'));
    const shown = `${dirname(sandboxed.relative)}/`;
    try {
      await mkdir(dirname(folder), { recursive: true });
      await mkdir(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw storageFailure('create', shown, error, 'nothing was created');
      throw new CallError('CONFLICT', `${shown} already exists`, { details: { file: sandboxed.relative } });
    }
    try {
      const text = serialiseTree(tree);
      const written = await writeDurably(sandboxed.absolute, text);
      const settingsFile = join(folder, 'settings.json');
      const settingsWritten = await writeDurably(settingsFile, JSON.stringify(stored, null, 2) + '\n');
      this.#ownWrites.set(sandboxed.relative, written.key);
      this.#ownWrites.set(`${dirname(sandboxed.relative)}/settings.json`, settingsWritten.key);
      this.#cache.set(sandboxed.relative, { doc: freezeTree(JSON.parse(text) as ConversationDoc), ...written });
    } catch (error) {
      await rm(folder, { recursive: true, force: true });
      throw storageFailure('create', shown, error, 'nothing was created');
    }
  }

  async remove(file: string): Promise<void> {
    await removeFolder(this.#folderHost(), await this.#sandboxInOrder(file));
  }

  async rename(file: string, newFile: string): Promise<string> {
    const [from, to] = [await this.#sandboxInOrder(file), await this.#sandbox(newFile)];
    return moveFolder(this.#folderHost(), from, to);
  }

  async readRecovery(file: string, recoveryFile: string): Promise<RecoveryRecord> {
    return readRecoveryRecord(await this.#sandbox(file), recoveryFile);
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

  async finishInterruptedSaves(): Promise<string[]> {
    const finished: string[] = [];
    const folders = await readdir(join(this.#root, conversationsFolder)).catch(() => [] as string[]);
    for (const folder of folders) {
      const names = await readdir(join(this.#root, conversationsFolder, folder)).catch(() => [] as string[]);
      for (const name of names.filter((entry) => entry.endsWith('.json.displaced'))) {
        const sandboxed = await this.#sandbox(`${conversationsFolder}/${folder}/${name.slice(0, -'.displaced'.length)}`).catch(
          () => undefined,
        );
        if (!sandboxed) continue;
        const release = await this.lock(sandboxed);
        await release();
        finished.push(sandboxed.relative);
      }
    }
    return finished;
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
    await (
      await this.#watcherStart
    ).ready;
  }

  async #startWatcher(): Promise<FileWatcher> {
    const [conversations, llmConfigs] = await Promise.all(
      [conversationsFolder, llmConfigsFolder].map((folder) => realpath(join(this.#root, folder)).catch(() => undefined)),
    );
    this.#watcher = new FileWatcher({
      conversations,
      folders: llmConfigs === undefined ? [] : [llmConfigs],
      settleMs: this.#settleMs,
      logger: this.#logger,
      inspect: createInspector({
        conversationsFolder,
        llmConfigsFolder,
        realFolders: [
          { folder: conversationsFolder, real: conversations },
          { folder: llmConfigsFolder, real: llmConfigs },
        ],
        cache: this.#cache,
        loader: this.#loader,
        batches: this.#batches,
        ownWrites: this.#ownWrites,
      }),
      emit: (event) => this.#hub.publish(event),
    });
    return this.#watcher;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await (await this.#watcherStart?.catch(() => undefined))?.close();
    await this.#batches.idle();
    await this.#aside.close();
    this.#hub.close();
    await this.#writer.close();
  }

  // BatchHost: what a write batch needs from the store.

  async lock(file: SandboxedPath): Promise<() => Promise<void>> {
    const release = await lockFile(file, this.#lockStaleMs, this.#logger);
    // Once per file per store: with the lock held, temp files beside it can only be orphans of killed writers.
    if (!this.#cleaned.has(file.relative)) {
      this.#cleaned.add(file.relative);
      await removeOrphanedTempFiles(file, this.#logger);
    }
    return release;
  }

  async loadFresh(file: SandboxedPath): Promise<CachedTree & { doc: ConversationDoc }> {
    const entry = await this.#loader.load(file);
    treeOf(file, entry);
    return entry as CachedTree & { doc: ConversationDoc };
  }

  async write(file: SandboxedPath, doc: ConversationDoc, base: CachedTree, changes: DocChange[]): Promise<WrittenFile | 'stale'> {
    if (base.size >= this.#threshold) {
      const reply = await this.#writer.request<WriteReply>({ kind: 'write', file: file.absolute, baseKey: base.key, changes });
      return reply.stale ? 'stale' : reply;
    }
    // The version check happens inside, after the temp file is written and right before the rename.
    return replaceIfUnchanged(file.absolute, serialiseTree(doc), base.key);
  }

  committed(file: SandboxedPath, doc: ConversationDoc, { movedAside, ...written }: WrittenFile, changes: readonly DocChange[]): void {
    this.#ownWrites.set(file.relative, written.key);
    this.#cache.set(file.relative, { doc, ...written }, (other) => this.#batches.isWriting(other));
    const nodeIds = changes.flatMap(({ path, delete: deleted }) =>
      path[0] === 'nodes' && path[1] !== undefined && !deleted ? [path[1]] : [],
    );
    this.#recent.saved(file.relative, doc, written.key, nodeIds);
    this.#aside.saved(file, changes);
    if (movedAside) this.#aside.watch(file, movedAside, changes);
  }

  discard(file: SandboxedPath): void {
    this.#cache.delete(file.relative);
    void this.#writer.request({ kind: 'forget', file: file.absolute }).catch(() => undefined);
  }

  // Internals.

  /**
   * A version read from disk that lacks nodes the engine saved recently (a stale copy saved over them, or a
   * deletion by hand): they go to a recovery file and the watch stream says so. Never put back on its own.
   */
  async #noticeRemovals(file: SandboxedPath, doc: ConversationDoc, key: string): Promise<void> {
    if (this.#ownWrites.get(file.relative) === key) return;
    const removed = this.#recent.seen(file.relative, doc, key);
    if (!removed) return;
    const minutes = Math.round((this.#keepRemovedMs / 60_000) * 10) / 10;
    const record: RemovedNodesRecord = {
      kind: 'nodes_removed_externally',
      conversation_file: file.relative,
      reason:
        `a write from outside the engine removed ${removed.nodeIds.length} node(s) the engine had saved within the last ${minutes} min ` +
        '(an editor saving a copy read before they were saved, or a deletion by hand); they are kept here and are not put back ' +
        'unless restored with modules/chat_branches/restore',
      detected_at: new Date().toISOString(),
      node_ids: removed.nodeIds,
      nodes: removed.nodes,
      ancestors: removed.ancestors,
      active_path: removed.activePath,
    };
    try {
      const recoveryFile = await writeRecoveryRecord(file, 'removed', record);
      this.#logger.warn('an outside write removed nodes the engine saved; they are kept in a recovery file', {
        file: file.relative,
        node_ids: removed.nodeIds,
        recovery_file: recoveryFile,
      });
      this.#hub.publish({
        type: 'nodes_removed_externally',
        file: file.relative,
        origin: 'external',
        node_ids: removed.nodeIds,
        recovery_file: recoveryFile,
      });
    } catch (error) {
      this.#logger.error('an outside write removed nodes the engine saved, and the recovery file could not be written', {
        file: file.relative,
        node_ids: removed.nodeIds,
        error,
      });
    }
  }

  /** An in-place edit found in a version a save had moved aside: what it changed goes to a recovery file. */
  async #keepAsideEdit(edit: AsideEdit): Promise<'kept' | 'not yet'> {
    const parsed = parseTree(edit.text);
    if (!parsed.doc && !edit.final) return 'not yet';
    const current = await this.#loader.committedTree(edit.file).catch(() => undefined);
    const found = parsed.doc && current ? editDifferences(parsed.doc, current, edit.engineChanged) : undefined;
    if (found && !hasEdits(found) && found.conflicts.length === 0) return 'kept';
    const record: AsideEditRecord = {
      kind: 'edit_written_aside',
      conversation_file: edit.file.relative,
      reason:
        'an in-place edit was written into the version of the file a save had just replaced, so it is not in the file; ' +
        'what it changed is kept here (restore with modules/chat_branches/restore), with the edited version whole',
      detected_at: new Date().toISOString(),
      node_ids: found?.nodeIds ?? [],
      nodes: found?.nodes ?? {},
      deleted_node_ids: found?.deletedNodeIds ?? [],
      fields: found?.fields ?? {},
      removed_fields: found?.removedFields ?? [],
      conflicts: found?.conflicts ?? [],
      edited_version: parsed.doc ?? edit.text,
    };
    try {
      const recoveryFile = await writeRecoveryRecord(edit.file, 'edit', record);
      this.#logger.warn('an in-place edit went into a version a save had replaced; it is kept in a recovery file', {
        file: edit.file.relative,
        recovery_file: recoveryFile,
      });
      this.#hub.publish({
        type: 'edit_written_aside',
        file: edit.file.relative,
        origin: 'external',
        node_ids: record.node_ids,
        fields: [...Object.keys(record.fields), ...record.removed_fields],
        recovery_file: recoveryFile,
      });
    } catch (error) {
      this.#logger.error('an in-place edit went into a version a save had replaced, and the recovery file could not be written', {
        file: edit.file.relative,
        error,
      });
    }
    return 'kept';
  }

  /** What removing or moving a conversation folder needs: its lock, its queued changes, and forgetting it. */
  #folderHost(): FolderHost {
    return {
      root: this.#root,
      conversationsFolder,
      lock: (file) => this.lock(file),
      whenClean: (relative) => this.#batches.whenClean(relative),
      forget: (file) => {
        this.discard(file);
        this.#ownWrites.delete(file.relative);
        this.#cleaned.delete(file.relative);
      },
    };
  }

  #sandbox(file: string): Promise<SandboxedPath> {
    return this.#conversations.resolve(file);
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

  async #summary(file: string, folderName: string): Promise<ConversationSummary | undefined> {
    try {
      const sandboxed = await this.#sandbox(file);
      const doc = await this.#loader.committedTree(sandboxed);
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
    const config = await resolveInside(this.#root, file, llmConfigsFolder, {
      extension: '.json',
      what: 'LLM config',
      shortName: (name) => `${llmConfigsFolder}/${name.endsWith('.json') ? name : `${name}.json`}`,
    });
    const found = await stat(config.absolute).catch(() => undefined);
    if (!found?.isFile()) throw new CallError('NOT_FOUND', `no LLM config at ${config.relative}`, { details: { file: config.relative } });
    return config.relative;
  }
}
