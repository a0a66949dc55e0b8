/**
 * @module Loading conversation trees: the current version of a file, parsed and validated once per version
 * (big files on the writer thread), cached, frozen; and the committed snapshot readers get.
 */
import { readFile, stat } from 'node:fs/promises';
import { CallError } from '../../lib/call-error.js';
import { fileKey, fileKeyOf, reappeared } from '../disk/atomic-write.js';
import type { ConversationDoc } from '../tree/document.js';
import { freezeTree } from './freeze.js';
import { invalidFileError, parseTree } from '../tree/parse-tree.js';
import type { SandboxedPath } from '../disk/safe-path.js';
import type { CachedTree, TreeCache } from './tree-cache.js';
import type { WriteBatches } from './write-batches.js';
import type { WriterThreadClient } from '../disk/writer-thread-client.js';
import type { ParseReply } from '../disk/writer-thread.js';

export interface TreeLoaderOptions {
  cache: TreeCache;
  writer: WriterThreadClient;
  batches: WriteBatches;
  /** Files at least this big are parsed on the writer thread. */
  threshold: number;
  /** Called with each valid version parsed (a version the cache did not hold yet), before it is handed out. */
  parsed?(file: SandboxedPath, doc: ConversationDoc, key: string): Promise<void>;
}

export class TreeLoader {
  readonly #options: TreeLoaderOptions;
  readonly #loading = new Map<string, Promise<CachedTree>>();

  constructor(options: TreeLoaderOptions) {
    this.#options = options;
  }

  /** The current version of the file (concurrent loads share one parse); its problem, if it has one. */
  load(file: SandboxedPath): Promise<CachedTree> {
    const loading = this.#loading.get(file.relative);
    if (loading) return loading;
    const promise = this.#loadNow(file).finally(() => this.#loading.delete(file.relative));
    this.#loading.set(file.relative, promise);
    return promise;
  }

  /**
   * The tree as it is on disk, for a reader. While a batch has changes applied in place but not yet written,
   * wait for the commit and take the tree at that instant (no later batch can apply before this continuation
   * runs: it needs I/O first). The tree is published: the next change forks it, so it never changes under the reader.
   */
  async committedTree(file: SandboxedPath): Promise<ConversationDoc> {
    const { cache, batches } = this.#options;
    const cachedNow = (): ConversationDoc | undefined => cache.get(file.relative)?.doc;
    for (;;) {
      const entry = await this.load(file);
      if (!batches.isDirty(file.relative)) return batches.publish(treeOf(file, entry));
      await batches.whenClean(file.relative);
      const committed = cachedNow();
      if (committed && !batches.isDirty(file.relative)) return batches.publish(committed);
    }
  }

  async #loadNow(file: SandboxedPath): Promise<CachedTree> {
    for (;;) {
      try {
        return await this.#loadVersion(file);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
        // Missing for the instant another process swaps in its save: read the version it put there.
        if (code === 'ENOENT' && (await reappeared(file.absolute))) continue;
        throw new CallError('NOT_FOUND', `no conversation at ${file.relative}`, { details: { file: file.relative } });
      }
    }
  }

  async #loadVersion(file: SandboxedPath): Promise<CachedTree> {
    const { cache, writer, batches, threshold } = this.#options;
    // One stat: whether it is a file, and its version (a cache hit needs nothing more).
    const stats = await stat(file.absolute, { bigint: true });
    if (!stats.isFile()) throw new CallError('NOT_FOUND', `${file.relative} is not a file`, { details: { file: file.relative } });
    const current = fileKeyOf(stats);
    const cached = cache.get(file.relative);
    if (cached?.key === current.key) return cached;
    const entry: CachedTree =
      current.size >= threshold ? await writer.request<ParseReply>({ kind: 'parse', file: file.absolute }) : await parseHere(file.absolute);
    if (entry.doc) freezeTree(entry.doc);
    cache.set(file.relative, entry, (other) => batches.isWriting(other));
    if (entry.doc) await this.#options.parsed?.(file, entry.doc, entry.key);
    return entry;
  }
}

/** The tree of a cache entry, or INVALID_FILE naming the file and the problem. */
export function treeOf(file: SandboxedPath, entry: CachedTree): ConversationDoc {
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
