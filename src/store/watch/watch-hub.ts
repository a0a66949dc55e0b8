/** @module Fans watch events out to every subscriber, each an async iterable that ends when its signal aborts. */
import type { Logger } from '../../lib/logger.js';
import type { WatchEvent } from './watch-event.js';

interface Subscriber {
  push: (event: WatchEvent) => void;
  end: () => void;
}

/** A subscriber that stops reading must not grow memory without bound; the oldest events go first. */
const queueLimit = 1000;

export class WatchHub {
  readonly #subscribers = new Set<Subscriber>();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  publish(event: WatchEvent): void {
    for (const subscriber of this.#subscribers) subscriber.push(event);
  }

  /**
   * Registers at once, not at the first `next()`: an event published between this call and the first read is
   * kept, so a caller can subscribe, then act, then read.
   */
  subscribe(signal: AbortSignal): AsyncIterable<WatchEvent> {
    const queue: WatchEvent[] = [];
    let ended = signal.aborted;
    let wake: (() => void) | undefined;
    const subscriber: Subscriber = {
      push: (event) => {
        if (queue.length >= queueLimit) {
          queue.shift();
          this.#logger.warn('a watch subscriber is not keeping up; dropped its oldest event', { file: event.file });
        }
        queue.push(event);
        wake?.();
      },
      end: () => {
        ended = true;
        this.#subscribers.delete(subscriber);
        signal.removeEventListener('abort', subscriber.end);
        wake?.();
      },
    };
    if (!ended) {
      this.#subscribers.add(subscriber);
      signal.addEventListener('abort', subscriber.end, { once: true });
    }
    return (async function* () {
      try {
        for (;;) {
          const next = queue.shift();
          if (next) {
            yield next;
            continue;
          }
          if (ended) return;
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
      } finally {
        subscriber.end();
      }
    })();
  }

  close(): void {
    for (const subscriber of this.#subscribers) subscriber.end();
  }
}
