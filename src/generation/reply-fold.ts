/**
 * @module What a reply is so far, folded from its events: the answer text, the reasoning, and the tool steps. One
 * fold serves the live generation, start-up recovery from a journal and a takeover from a shared log, so all three
 * save the same node from the same events.
 */
import type { ToolCallStatus, ToolStep } from '../store/index.js';
import type { GenerationEvent } from './generation-events.js';

/** The events that change the reply; the others (start, usage, saved, end...) leave it as it is. */
export type ReplyEvent = Extract<GenerationEvent, { type: 'chunk' | 'reasoning' | 'step' | 'tool_call' | 'tool_result' }>;

export const replyEventTypes: ReadonlySet<string> = new Set(['chunk', 'reasoning', 'step', 'tool_call', 'tool_result']);

/** A call with no result yet is saved with this status when the reply ends without one (stopped, crashed). */
const unfinishedResult = 'the tool did not finish: the generation ended while it ran';

/** A call of the current step, its result still to come. */
interface OpenCall {
  id: string;
  name: string;
  arguments: unknown;
  thought_signature?: string;
  status?: ToolCallStatus;
  result?: unknown;
  started_at?: string;
  duration_ms?: number;
}

/**
 * The same text as one flat string. `a += b` builds a rope in V8: a 32-byte node per append that keeps every piece
 * alive, so a streamed reply takes three to four times its size (2 KB for 576 characters in 64 chunks, against
 * 0.7 KB flat). Reading a character of a rope makes V8 flatten it in place (the nodes and pieces become garbage);
 * measured on Node 20, where `Number(text)`, the `flatstr` package's trick, no longer does.
 */
function flatten(text: string): void {
  void text.charCodeAt(0);
}

/**
 * Flattens a growing text now and then: after 32 appends, then whenever the appends since the last time reach an
 * eighth of all of them, so the copying stays O(n log n) and the rope's nodes at most an eighth of the pieces.
 */
class Flattener {
  #appends = 0;
  #since = 0;

  appended(text: string): void {
    this.#appends++;
    if (++this.#since < Math.max(32, this.#appends >> 3)) return;
    this.#since = 0;
    flatten(text);
  }
}

export class ReplyFold {
  readonly #steps: ToolStep[] = [];
  #content = '';
  #reasoning = '';
  #calls: OpenCall[] = [];
  readonly #contentFlattener = new Flattener();
  readonly #reasoningFlattener = new Flattener();

  apply(event: GenerationEvent): void {
    switch (event.type) {
      case 'chunk':
        this.#content += event.content;
        this.#contentFlattener.appended(this.#content);
        break;
      case 'reasoning':
        this.#reasoning += event.content;
        this.#reasoningFlattener.appended(this.#reasoning);
        break;
      case 'tool_call':
        this.#calls.push({
          id: event.tool_call_id,
          name: event.tool_name,
          arguments: event.arguments,
          ...(event.thought_signature === undefined ? {} : { thought_signature: event.thought_signature }),
        });
        break;
      case 'tool_result': {
        const call = this.#calls.find((entry) => entry.id === event.tool_call_id);
        if (call)
          Object.assign(call, { status: event.status, result: event.result, started_at: event.started_at, duration_ms: event.duration_ms });
        break;
      }
      case 'step':
        this.#closeStep();
        break;
      default:
    }
  }

  /** The answer so far: the current step's text, unless that step called tools (then its text belongs to the step). */
  get content(): string {
    return this.#calls.length === 0 ? this.#content : '';
  }

  get reasoning(): string {
    return this.#calls.length === 0 ? this.#reasoning : '';
  }

  /** The steps that called tools, the current one included when it did; unfinished calls marked aborted. */
  get toolSteps(): ToolStep[] {
    return this.#calls.length === 0 ? [...this.#steps] : [...this.#steps, this.#stepOfCurrent()];
  }

  /** Nothing to save: no text, no reasoning, no tool call. */
  get isEmpty(): boolean {
    return this.#content === '' && this.#reasoning === '' && this.#calls.length === 0 && this.#steps.length === 0;
  }

  #closeStep(): void {
    if (this.#calls.length > 0) this.#steps.push(this.#stepOfCurrent());
    this.#content = '';
    this.#reasoning = '';
    this.#calls = [];
  }

  #stepOfCurrent(): ToolStep {
    return {
      ...(this.#content === '' ? {} : { content: this.#content }),
      ...(this.#reasoning === '' ? {} : { reasoning: this.#reasoning }),
      tool_calls: this.#calls.map((call) => ({
        id: call.id,
        name: call.name,
        arguments: call.arguments,
        ...(call.thought_signature === undefined ? {} : { thought_signature: call.thought_signature }),
        status: call.status ?? 'aborted',
        result: call.status === undefined ? unfinishedResult : call.result,
        ...(call.started_at === undefined ? {} : { started_at: call.started_at }),
        ...(call.duration_ms === undefined ? {} : { duration_ms: call.duration_ms }),
      })),
    };
  }
}

/** The node field for a reply's steps: present only when it called tools, so other nodes stay as they were. */
export function toolStepsField(steps: ToolStep[]): { tool_steps?: ToolStep[] } {
  return steps.length === 0 ? {} : { tool_steps: steps };
}
