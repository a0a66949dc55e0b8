/**
 * @module Per-file write batches. Changes to one file queue up in-process; whatever queued while the previous
 * write was on disk goes out as one batch: take the cross-process lock, read the file fresh (a cache hit when
 * unchanged), run each plan against the tree as the previous ones left it, validate and apply it, then write
 * once and release. A plan that fails is rejected alone; the others still land.
 *
 * Readers get snapshots. A tree handed out is marked published; a batch about to change a published tree forks
 * it first (top level copied, each top-level object copied on first write), so a reader's tree never changes
 * under it. An unpublished tree is changed in place (no copy at all); from its first change until the write is
 * on disk the file is "dirty", and a reader arriving then waits for the commit instead of seeing changes that
 * are not durable yet.
 */
import { keptChanging } from '../conversation-store.js';
import { type ConversationDoc, type DocChange, type Mutation } from '../tree/document.js';
import { CallError } from '../../lib/call-error.js';
import type { WrittenFile } from '../disk/atomic-write.js';
import { freezeChanges } from './freeze.js';
import { storageFailure } from '../disk/storage-failure.js';
import type { SandboxedPath } from '../disk/safe-path.js';
import type { CachedTree } from './tree-cache.js';
import { applyChanges, forkDoc } from '../tree/changes.js';
import { validateChanges } from '../tree/validate.js';

export type Plan = (doc: ConversationDoc) => Mutation<unknown> | Promise<Mutation<unknown>>;

export interface BatchHost {
  lock(file: SandboxedPath): Promise<() => Promise<void>>;
  /** Under the lock: the current tree (INVALID_FILE / NOT_FOUND thrown). */
  loadFresh(file: SandboxedPath): Promise<CachedTree & { doc: ConversationDoc }>;
  /** `stale`: the file changed on disk since `base` was read (a hand edit raced the batch). */
  write(file: SandboxedPath, doc: ConversationDoc, base: CachedTree, changes: DocChange[]): Promise<WrittenFile | 'stale'>;
  /** `changes`: what this write changed (the engine's own places, told apart from an outside edit's). */
  committed(file: SandboxedPath, doc: ConversationDoc, written: WrittenFile, changes: readonly DocChange[]): void;
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
}

interface Dirty {
  clean: Promise<void>;
  resolve(): void;
}

/** A plan being called right now: a read it makes of its own file must not wait for its own batch. */
export interface RunningPlan {
  relative: string;
  doc: ConversationDoc;
}

const attempts = 3;

export class WriteBatches {
  readonly #queues = new Map<string, Queue>();
  readonly #dirty = new Map<string, Dirty>();
  readonly #published = new WeakSet<ConversationDoc>();
  #runningPlan: RunningPlan | undefined;
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

  /** Marks a tree as handed out: the next change forks it instead of changing it in place. */
  publish(doc: ConversationDoc): ConversationDoc {
    this.#published.add(doc);
    return doc;
  }

  /** The cached tree holds changes not yet on disk. */
  isDirty(relative: string): boolean {
    return this.#dirty.has(relative);
  }

  /** Resolves the moment the file's pending changes are committed (or dropped): before any later batch applies. */
  whenClean(relative: string): Promise<void> {
    return this.#dirty.get(relative)?.clean ?? Promise.resolve();
  }

  /**
   * Set only while a plan's synchronous part runs. A read captures it before its first await, so a plan that
   * reads its own file (before awaiting anything) gets its own tree instead of waiting for its own batch.
   * (AsyncLocalStorage would follow awaits too, but on Node 20 it slows every promise in the process.)
   */
  runningPlan(): RunningPlan | undefined {
    return this.#runningPlan;
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
      while (queue.items.length > 0) await this.#runBatch(file, queue.items.splice(0));
    } finally {
      this.#queues.delete(file.relative);
    }
  }

  async #runBatch(file: SandboxedPath, batch: Item[]): Promise<void> {
    let release: () => Promise<void>;
    try {
      release = await this.#host.lock(file);
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    // Callers hear the outcome only once the lock is released: when a call returns, nothing of it is left on disk.
    const outcomes: (() => void)[] = [];
    const deferred = batch.map((item): Item => ({
      plan: item.plan,
      resolve: (value) => outcomes.push(() => item.resolve(value)),
      reject: (error) => outcomes.push(() => item.reject(error)),
    }));
    try {
      let pending = deferred;
      for (let attempt = 1; pending.length > 0; attempt++) {
        if (attempt > attempts) {
          const error = new CallError('CONFLICT', `${file.relative} kept changing on disk while the engine was writing it; try again`, {
            details: { file: file.relative, reason: keptChanging },
          });
          for (const item of pending) item.reject(error);
          return;
        }
        pending = await this.#attempt(file, pending);
      }
    } finally {
      await release();
      for (const settle of outcomes) settle();
    }
  }

  /** One pass over the batch; returns the items to run again when the file changed on disk meanwhile. */
  async #attempt(file: SandboxedPath, batch: Item[]): Promise<Item[]> {
    try {
      return await this.#attemptOnce(file, batch);
    } finally {
      this.#markClean(file.relative);
    }
  }

  #markDirty(relative: string): void {
    if (this.#dirty.has(relative)) return;
    let resolve!: () => void;
    const clean = new Promise<void>((done) => (resolve = done));
    this.#dirty.set(relative, { clean, resolve });
  }

  #markClean(relative: string): void {
    const dirty = this.#dirty.get(relative);
    this.#dirty.delete(relative);
    dirty?.resolve();
  }

  /**
   * A caller's `{doc, result}`. The tree is published only if the caller looks at `doc`: a step that reads only
   * its result leaves the tree unpublished, so the next change applies in place instead of forking (copying
   * `nodes`).
   */
  #reply(doc: ConversationDoc, result: unknown): { doc: ConversationDoc; result: unknown } {
    const publish = () => this.publish(doc);
    return {
      get doc() {
        return publish();
      },
      result,
    };
  }

  async #attemptOnce(file: SandboxedPath, batch: Item[]): Promise<Item[]> {
    let base: CachedTree & { doc: ConversationDoc };
    try {
      base = await this.#host.loadFresh(file);
    } catch (error) {
      for (const item of batch) item.reject(error);
      return [];
    }
    let doc = base.doc;
    const applied: { item: Item; result: unknown }[] = [];
    const changes: DocChange[] = [];
    for (const item of batch) {
      // Let timers and I/O run between plans: a batch of fifty must not hold the event loop for all fifty.
      if (applied.length > 0) await new Promise((resolve) => setImmediate(resolve));
      try {
        this.#runningPlan = { relative: file.relative, doc };
        let planned: ReturnType<Plan>;
        try {
          planned = item.plan(doc);
        } finally {
          this.#runningPlan = undefined;
        }
        const mutation = await planned;
        if (mutation.changes.length > 0) {
          const problem = validateChanges(doc, mutation.changes);
          if (problem) {
            throw new CallError(
              'BAD_INPUT',
              `the change would make ${file.relative} invalid at ${problem.pointer || '/'}: ${problem.message}; nothing was written`,
              {
                details: { file: file.relative, ...problem },
              },
            );
          }
          freezeChanges(mutation.changes);
          // Decided right before the change, synchronously: a reader that took this tree a moment ago keeps it.
          if (this.#published.has(doc)) doc = forkDoc(doc);
          else if (doc === base.doc) this.#markDirty(file.relative);
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
        const failure = storageFailure('write', file.relative, error, 'the cached tree was dropped and is read again next time');
        for (const { item } of applied) item.reject(failure);
        return [];
      }
      if (written === 'stale') {
        this.#host.discard(file);
        return applied.map(({ item }) => item);
      }
      this.#host.committed(file, doc, written, changes);
      this.#markClean(file.relative);
    }
    for (const { item, result } of applied) item.resolve(this.#reply(doc, result));
    return [];
  }
}
