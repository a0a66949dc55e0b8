/**
 * @module Per-file write batches. Changes to one file queue up in-process; whatever queued while the previous
 * write was on disk goes out as one batch: take the cross-process lock, read the file fresh (a cache hit when
 * unchanged), run each plan against the tree as the previous ones left it, validate and apply it, then write
 * once and release. A plan that fails is rejected alone; the others still land.
 */
import type { ConversationDoc, DocChange, Mutation } from './conversation-store.js';
import { CallError } from '../registry/call-error.js';
import type { WrittenFile } from './atomic-write.js';
import { freezeChanges } from './freeze.js';
import type { SandboxedPath } from './safe-path.js';
import type { CachedTree } from './tree-cache.js';
import { applyChanges } from './tree-changes.js';
import { validateChanges } from './tree-validate.js';

export type Plan = (doc: ConversationDoc) => Mutation<unknown> | Promise<Mutation<unknown>>;

export interface BatchHost {
  lock(file: SandboxedPath): Promise<() => Promise<void>>;
  /** Under the lock: the current tree (INVALID_FILE / NOT_FOUND thrown). */
  loadFresh(file: SandboxedPath): Promise<CachedTree & { doc: ConversationDoc }>;
  /** `stale`: the file changed on disk since `base` was read (a hand edit raced the batch). */
  write(file: SandboxedPath, doc: ConversationDoc, base: CachedTree, changes: DocChange[]): Promise<WrittenFile | 'stale'>;
  committed(file: SandboxedPath, doc: ConversationDoc, written: WrittenFile): void;
  /** Drops the cached tree: it holds changes that did not reach the disk. */
  discard(file: SandboxedPath): void;
}

interface Item {
  plan: Plan;
  resolve(value: { doc: ConversationDoc; result: unknown }): void;
  reject(error: unknown): void;
}

interface Queue {
  items: Item[];
  running: Promise<void>;
  /** The tree of the batch under way: the freshest there is, for readers. */
  doc?: ConversationDoc | undefined;
}

const attempts = 3;

export class WriteBatches {
  readonly #queues = new Map<string, Queue>();
  readonly #host: BatchHost;

  constructor(host: BatchHost) {
    this.#host = host;
  }

  enqueue(file: SandboxedPath, plan: Plan): Promise<{ doc: ConversationDoc; result: unknown }> {
    return new Promise((resolve, reject) => {
      const item = { plan, resolve, reject };
      const queue = this.#queues.get(file.relative);
      if (queue) {
        queue.items.push(item);
        return;
      }
      const created: Queue = { items: [item], running: Promise.resolve() };
      this.#queues.set(file.relative, created);
      created.running = this.#drain(file, created);
    });
  }

  /** The tree a batch is working on right now, if any. */
  activeDoc(relative: string): ConversationDoc | undefined {
    return this.#queues.get(relative)?.doc;
  }

  isWriting(relative: string): boolean {
    return this.#queues.has(relative);
  }

  /** Resolves once every queued change is settled. */
  async idle(): Promise<void> {
    while (this.#queues.size > 0) await Promise.all([...this.#queues.values()].map((queue) => queue.running));
  }

  async #drain(file: SandboxedPath, queue: Queue): Promise<void> {
    try {
      while (queue.items.length > 0) await this.#runBatch(file, queue, queue.items.splice(0));
    } finally {
      this.#queues.delete(file.relative);
    }
  }

  async #runBatch(file: SandboxedPath, queue: Queue, batch: Item[]): Promise<void> {
    let release: () => Promise<void>;
    try {
      release = await this.#host.lock(file);
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    try {
      let pending = batch;
      for (let attempt = 1; pending.length > 0; attempt++) {
        if (attempt > attempts) {
          const error = new CallError('CONFLICT', `${file.relative} kept changing on disk while the engine was writing it; try again`);
          for (const item of pending) item.reject(error);
          return;
        }
        pending = await this.#attempt(file, queue, pending);
      }
    } finally {
      queue.doc = undefined;
      await release();
    }
  }

  /** One pass over the batch; returns the items to run again when the file changed on disk meanwhile. */
  async #attempt(file: SandboxedPath, queue: Queue, batch: Item[]): Promise<Item[]> {
    let base: CachedTree & { doc: ConversationDoc };
    try {
      base = await this.#host.loadFresh(file);
    } catch (error) {
      for (const item of batch) item.reject(error);
      return [];
    }
    const doc = base.doc;
    queue.doc = doc;
    const applied: { item: Item; result: unknown }[] = [];
    const changes: DocChange[] = [];
    for (const item of batch) {
      // Let timers and I/O run between plans: a batch of fifty must not hold the event loop for all fifty.
      if (applied.length > 0) await new Promise((resolve) => setImmediate(resolve));
      try {
        const mutation = await item.plan(doc);
        if (mutation.changes.length > 0) {
          const problem = validateChanges(doc, mutation.changes);
          if (problem) {
            throw new CallError('BAD_INPUT', `the change would make ${file.relative} invalid at ${problem.pointer || '/'}: ${problem.message}; nothing was written`, {
              details: { file: file.relative, ...problem },
            });
          }
          freezeChanges(mutation.changes);
          applyChanges(doc, mutation.changes);
          changes.push(...mutation.changes);
        }
        applied.push({ item, result: mutation.result(doc) });
      } catch (error) {
        item.reject(error);
      }
    }
    if (changes.length > 0) {
      let written: WrittenFile | 'stale';
      try {
        written = await this.#host.write(file, doc, base, changes);
      } catch (error) {
        this.#host.discard(file);
        const failure = new CallError('INTERNAL', `could not write ${file.relative}: ${(error as Error).message}; nothing was changed`, { cause: error });
        for (const { item } of applied) item.reject(failure);
        return [];
      }
      if (written === 'stale') {
        this.#host.discard(file);
        return applied.map(({ item }) => item);
      }
      this.#host.committed(file, doc, written);
    }
    for (const { item, result } of applied) item.resolve({ doc, result });
    return [];
  }
}
