/**
 * @module One generation: a server-side job with an id, an in-memory event log and any number of viewers.
 * The job writes events with `push`; viewers `follow` the log from any sequence number, then the live tail.
 */
import type { ToolStep } from '../store/index.js';
import type { GenerationEvent, UsageCounts } from './generation-events.js';
import { ReplyFold, replyEventTypes } from './reply-fold.js';
import { ToolApprovals } from './tool-approvals.js';

export type GenerationStatus = 'running' | 'done';
export type GenerationOutcome = 'completed' | 'aborted' | 'failed' | 'empty';

export interface GenerationInit {
  id: string;
  conversationFile: string;
  parentId: string;
  nodeId: string;
  requestId?: string;
}

export interface LoggedEvent {
  /** 1-based position in the log; the SSE id is `<generation id>:<seq>`. */
  seq: number;
  event: GenerationEvent;
}

export class Generation {
  readonly id: string;
  readonly conversationFile: string;
  readonly parentId: string;
  readonly nodeId: string;
  readonly requestId: string | undefined;
  readonly startedAt = new Date();
  finishedAt: Date | undefined;
  outcome: GenerationOutcome | undefined;
  /** The answer text generated so far: what a partial save writes (set by the save when hooks changed it). */
  content = '';
  /** The reasoning streamed so far, kept apart from the answer. */
  reasoning = '';
  readonly #reply = new ReplyFold();
  savedNodeId: string | undefined;
  /** What the job learnt, for the non-streaming answer; set before `end`. */
  result: GenerationResult | undefined;
  viewers = 0;
  /** Tool calls waiting for approval. */
  readonly approvals = new ToolApprovals();

  readonly #controller = new AbortController();
  /**
   * The log: events, with each stretch of plain chunk events kept as one ChunkRun. A reply of a thousand tokens
   * would otherwise hold a thousand event objects and strings for as long as the generation is kept.
   */
  readonly #log: (GenerationEvent | ChunkRun)[] = [];
  #eventCount = 0;
  readonly #wakers = new Set<() => void>();
  readonly #observers: ((seq: number, event: GenerationEvent) => void)[] = [];
  #resolveEnded!: () => void;
  /** Settles once `end` is in the log: the reply is saved (or there was nothing to save). */
  readonly ended: Promise<void> = new Promise((resolve) => (this.#resolveEnded = resolve));

  constructor(init: GenerationInit) {
    this.id = init.id;
    this.conversationFile = init.conversationFile;
    this.parentId = init.parentId;
    this.nodeId = init.nodeId;
    this.requestId = init.requestId;
  }

  get status(): GenerationStatus {
    return this.finishedAt === undefined ? 'running' : 'done';
  }

  /** Aborted by `abort()`; the job passes it to the provider. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** The tool steps so far (the calls of the current step included once it made some). */
  get toolSteps(): ToolStep[] {
    return this.#reply.toolSteps;
  }

  get eventCount(): number {
    return this.#eventCount;
  }

  abort(reason: 'user' | 'disconnect' | 'shutdown'): void {
    if (!this.#controller.signal.aborted) this.#controller.abort(reason);
  }

  /** Why the generation was aborted, if it was. */
  get abortReason(): 'user' | 'disconnect' | 'shutdown' | undefined {
    return this.#controller.signal.aborted ? (this.#controller.signal.reason as 'user') : undefined;
  }

  push(event: GenerationEvent): void {
    if (this.finishedAt !== undefined) throw new Error(`generation ${this.id} already ended; cannot log ${event.type}`);
    if (replyEventTypes.has(event.type)) {
      this.#reply.apply(event);
      this.content = this.#reply.content;
      this.reasoning = this.#reply.reasoning;
    }
    const last = this.#log.at(-1);
    if (!ChunkRun.holds(event)) this.#log.push(event);
    else if (last instanceof ChunkRun) last.add(event.content);
    else this.#log.push(new ChunkRun(event.content));
    this.#eventCount++;
    for (const observe of this.#observers) observe(this.#eventCount, event);
    if (event.type === 'end') {
      this.finishedAt = new Date();
      this.#resolveEnded();
    }
    for (const wake of this.#wakers) wake();
    this.#wakers.clear();
  }

  /** `observe` hears every event pushed from now on, in order, with its sequence number (a shared log records them). */
  observe(observer: (seq: number, event: GenerationEvent) => void): void {
    this.#observers.push(observer);
  }

  /**
   * The events after `afterSeq`, then the live tail until `end`. Stops early, without error, when `signal`
   * aborts: a viewer leaving never affects the job.
   */
  async *follow(afterSeq: number, signal?: AbortSignal): AsyncGenerator<LoggedEvent, void, undefined> {
    this.viewers++;
    try {
      let next = Math.max(0, afterSeq);
      /** The log entry holding event `next + 1`, and how many events come before that entry. */
      let entry = 0;
      let before = 0;
      while (!signal?.aborted) {
        while (next < this.#eventCount) {
          while (before + sizeOf(this.#log[entry]!) <= next) before += sizeOf(this.#log[entry++]!);
          const item = this.#log[entry]!;
          const event: GenerationEvent = item instanceof ChunkRun ? { type: 'chunk', content: item.content(next - before) } : item;
          next++;
          yield { seq: next, event };
        }
        if (this.finishedAt !== undefined) return;
        await this.#nextPush(signal);
      }
    } finally {
      this.viewers--;
    }
  }

  #nextPush(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        signal?.removeEventListener('abort', wake);
        this.#wakers.delete(wake);
        resolve();
      };
      this.#wakers.add(wake);
      signal?.addEventListener('abort', wake, { once: true });
    });
  }

  summary(): GenerationSummary {
    return {
      generation_id: this.id,
      status: this.status,
      ...(this.outcome === undefined ? {} : { outcome: this.outcome }),
      conversation_file: this.conversationFile,
      parent_id: this.parentId,
      node_id: this.nodeId,
      ...(this.savedNodeId === undefined ? {} : { saved_node_id: this.savedNodeId }),
      content_length: this.content.length,
      events: this.#eventCount,
      viewers: this.viewers,
      started_at: this.startedAt.toISOString(),
      ...(this.finishedAt === undefined ? {} : { finished_at: this.finishedAt.toISOString() }),
    };
  }
}

/** How many chunks are joined into one string at a time: fewer objects live, and few enough joins. */
const runBatch = 32;

/**
 * Consecutive chunk events of a log as one text and where each chunk ends in it, the newest few still as they
 * came (so a live viewer reads the chunk just pushed without touching the rest). Replay gives back every chunk
 * with the same text and sequence number as the events pushed.
 */
class ChunkRun {
  /** The chunks joined so far. */
  #joined = '';
  /** Where each joined chunk ends in `#joined` (small integers: 4 or 8 bytes each, not an object and a string). */
  readonly #ends: number[] = [];
  #recent: string[];

  constructor(content: string) {
    this.#recent = [content];
  }

  /** A chunk event with nothing beyond its text: only those are folded, so replay gives back the same event. */
  static holds(event: GenerationEvent): event is { type: 'chunk'; content: string } {
    return event.type === 'chunk' && Object.keys(event).length === 2;
  }

  get count(): number {
    return this.#ends.length + this.#recent.length;
  }

  add(content: string): void {
    this.#recent.push(content);
    if (this.#recent.length < runBatch) return;
    let end = this.#joined.length;
    for (const piece of this.#recent) this.#ends.push((end += piece.length));
    this.#joined += this.#recent.join('');
    this.#recent = [];
  }

  /** The text of the run's `index`-th chunk (0-based). */
  content(index: number): string {
    const joinedCount = this.#ends.length;
    if (index >= joinedCount) return this.#recent[index - joinedCount]!;
    return this.#joined.slice(index === 0 ? 0 : this.#ends[index - 1], this.#ends[index]);
  }
}

function sizeOf(entry: GenerationEvent | ChunkRun): number {
  return entry instanceof ChunkRun ? entry.count : 1;
}

export interface GenerationResult {
  finishReason: string;
  usage: UsageCounts | null;
  cost?: number;
  provider?: string;
  modelUsed?: string;
  /** Seconds from start to the end of the upstream stream. */
  responseTime: number;
  /** Seconds from start to the first chunk. */
  timeToFirstToken?: number;
  error?: { code: string; message: string };
  partial: boolean;
  recoveryFile?: string;
  doc?: unknown;
}

export interface GenerationSummary {
  generation_id: string;
  status: GenerationStatus;
  outcome?: GenerationOutcome;
  conversation_file: string;
  parent_id: string;
  node_id: string;
  saved_node_id?: string;
  content_length: number;
  events: number;
  viewers: number;
  started_at: string;
  finished_at?: string;
}

export const generationSummarySchema = {
  type: 'object',
  properties: {
    generation_id: { type: 'string' },
    status: { enum: ['running', 'done'] },
    outcome: { enum: ['completed', 'aborted', 'failed', 'empty'] },
    conversation_file: { type: 'string' },
    parent_id: { type: 'string' },
    node_id: { type: 'string' },
    saved_node_id: { type: 'string' },
    content_length: { type: 'integer' },
    events: { type: 'integer' },
    viewers: { type: 'integer' },
    started_at: { type: 'string' },
    finished_at: { type: 'string' },
  },
  required: ['generation_id', 'status', 'conversation_file', 'parent_id', 'node_id', 'content_length', 'events', 'viewers', 'started_at'],
  additionalProperties: false,
} as const;
