/**
 * @module Shapes one attempt's raw parts into a well-formed stream: `model` once, no empty text, `finish`
 * once, `usage` once at the end (the latest value: Gemini repeats running totals). Parts before the first
 * text are held back, so an attempt that fails before it can be retried without the consumer noticing.
 */
import type { ProviderEvent, Usage } from '../provider.js';

export class ReplyState {
  /** A text or reasoning part has reached the consumer: from here on, no retry. */
  delivered = false;
  finished = false;
  #modelSeen = false;
  #pending: ProviderEvent[] = [];
  #usage: Usage | undefined;

  *accept(event: ProviderEvent): Generator<ProviderEvent, void, undefined> {
    switch (event.type) {
      case 'text':
      case 'reasoning':
        // Reasoning reaches the consumer like text: once either has, a retry would show it twice.
        if (event.text === '') return;
        if (!this.delivered) {
          this.delivered = true;
          yield* this.#pending.splice(0);
        }
        yield event;
        return;
      case 'usage':
        this.#usage = event.usage;
        return;
      case 'model':
        if (this.#modelSeen) return;
        this.#modelSeen = true;
        break;
      case 'finish':
        if (this.finished) return;
        this.finished = true;
        break;
    }
    if (this.delivered) yield event;
    else this.#pending.push(event);
  }

  /** The held-back parts, a finish if the upstream never sent one, then usage. */
  *end(onMissingFinish: () => void): Generator<ProviderEvent, void, undefined> {
    yield* this.#pending.splice(0);
    if (!this.finished) {
      this.finished = true;
      onMissingFinish();
      yield { type: 'finish', reason: 'stop' };
    }
    if (this.#usage !== undefined) yield { type: 'usage', usage: this.#usage };
  }

  /** Forgets a failed attempt that delivered nothing. */
  reset(): void {
    this.finished = false;
    this.#modelSeen = false;
    this.#pending = [];
    this.#usage = undefined;
  }
}
