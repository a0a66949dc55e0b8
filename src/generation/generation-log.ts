/**
 * @module Where a generation's events are kept beyond the process running it. The default keeps nothing outside
 * this process (the in-memory log of each Generation is the whole truth, as before); a shared log (Redis) lets
 * any server attach to, resume, abort and take over a generation another server started.
 */
import type { Generation, GenerationSummary, LoggedEvent } from './generation.js';
import type { GenerationEvent } from './generation-events.js';
import type { ToolStep } from '../store/index.js';

/** What a viewer needs of a generation, wherever it runs. `Generation` is one; a shared log gives others. */
export interface GenerationView {
  readonly id: string;
  readonly status: 'running' | 'done';
  follow(afterSeq: number, signal?: AbortSignal): AsyncGenerator<LoggedEvent, void, undefined>;
  summary(): GenerationSummary;
  /** The model the provider reported at the start, when known (a generation another server runs). */
  readonly model?: string;
}

/** What a server that takes over a generation needs to save it: the plan it ran under and the text so far. */
export interface OrphanedGeneration {
  generation_id: string;
  conversation_file: string;
  parent_id: string;
  node_id: string;
  fill_target: boolean;
  provider?: string;
  model?: string;
  started_at: string;
  /** The answer text streamed before the owner went away. */
  content: string;
  /** The reasoning streamed, and the tool steps run, before it went away. */
  reasoning: string;
  tool_steps: ToolStep[];
  /** Whether the log already holds `end` (the owner finished but could not clear its claim). */
  ended: boolean;
}

/** Facts about a generation known when it starts, beyond what `Generation` holds. */
export interface SharedDetails {
  fillTarget: boolean;
  provider?: string;
  model?: string;
}

/** Saves an orphan's text (marked partial) and returns the events that end its log. */
export type TakeOver = (orphan: OrphanedGeneration) => Promise<GenerationEvent[]>;

export interface GenerationLog {
  /** Shared between servers (false: this process only). */
  readonly shared: boolean;
  /** The owner registers a generation it runs: the events that follow are recorded as they are pushed. */
  started(generation: Generation, details: SharedDetails): void;
  /** A generation another server runs or ran (undefined when unknown or expired). */
  find(generationId: string): Promise<GenerationView | undefined>;
  /** Asks the owner, wherever it runs, to stop the generation. */
  requestAbort(generationId: string): Promise<void>;
  /** Called with the id of a generation some server asked to stop. */
  onAbortRequest(handler: (generationId: string) => void): void;
  /**
   * Records, for every server, that `requestId` started `generationId` (kept as long as the generation's log).
   * Returns undefined when this claim won, or the id of the generation that already holds the request id.
   */
  claimRequest(requestId: string, generationId: string): Promise<string | undefined>;
  /** The id of the generation a request id started on any server (undefined when none, or expired). */
  findRequest(requestId: string): Promise<string | undefined>;
  /** Every generation in the shared log: running ones, and finished ones kept for late viewers ([] when not shared). */
  list(): Promise<GenerationSummary[]>;
  /** Starts watching for generations whose owner went away; `takeOver` saves each one exactly once. */
  watchForOrphans(takeOver: TakeOver): void;
  /** GET /ready: true, or why the shared log cannot be used. */
  check(): Promise<true | string>;
  close(): Promise<void>;
}

/** The default: nothing beyond this process. */
export class LocalGenerationLog implements GenerationLog {
  readonly shared = false;
  started(): void {}
  find(): Promise<GenerationView | undefined> {
    return Promise.resolve(undefined);
  }
  requestAbort(): Promise<void> {
    return Promise.resolve();
  }
  onAbortRequest(): void {}
  claimRequest(): Promise<string | undefined> {
    return Promise.resolve(undefined);
  }
  findRequest(): Promise<string | undefined> {
    return Promise.resolve(undefined);
  }
  list(): Promise<GenerationSummary[]> {
    return Promise.resolve([]);
  }
  watchForOrphans(): void {}
  check(): Promise<true | string> {
    return Promise.resolve(true);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
