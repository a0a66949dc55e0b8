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
  readonly #events: GenerationEvent[] = [];
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
    return this.#events.length;
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
    this.#events.push(event);
    for (const observe of this.#observers) observe(this.#events.length, event);
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
      while (!signal?.aborted) {
        while (next < this.#events.length) {
          const event = this.#events[next]!;
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
      events: this.#events.length,
      viewers: this.viewers,
      started_at: this.startedAt.toISOString(),
      ...(this.finishedAt === undefined ? {} : { finished_at: this.finishedAt.toISOString() }),
    };
  }
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
