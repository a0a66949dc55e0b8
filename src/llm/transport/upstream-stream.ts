/**
 * @module The policy every network adapter shares, SDK-free: timeouts (until the response starts, then
 * between chunks), retries with backoff only while nothing has reached the consumer, cancellation of the
 * HTTP request on abort or early exit, and a well-formed stream (one finish, usage last).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../lib/logger.js';
import { CallError } from '../../lib/call-error.js';
import type { Connection } from './connection.js';
import type { ProviderEvent } from '../provider.js';
import { ReplyState } from './reply-state.js';
import { clean, failureToCallError, isRetryable, retryDelayMs, type FailureContext, type UpstreamFailure } from './upstream-failure.js';

/** One provider request, as an adapter describes it. */
export interface UpstreamCall<Chunk> {
  /** Sends the request; resolves once the response has started, with its chunks in order. */
  open(signal: AbortSignal): Promise<AsyncIterable<Chunk>>;
  /** The provider-neutral parts in one chunk. */
  toEvents(chunk: Chunk): ProviderEvent[];
  /**
   * The parts still held when the upstream ends its stream (e.g. tool calls assembled from fragments whose
   * finish chunk never came). State an adapter keeps across chunks is reset in `open`, once per attempt.
   */
  end?(): ProviderEvent[];
  /** What went wrong, from whatever the SDK threw. */
  toFailure(error: unknown): UpstreamFailure;
  /**
   * Called once no attempt can follow (text or reasoning has reached the consumer, so no retry): `open` will not
   * be called again, and the adapter drops what it kept to build the request. A stream stays open for as long as
   * the reply lasts; kept, the request would hold the whole prompt (the conversation's active path) until then.
   */
  release?(): void;
}

export interface UpstreamOptions {
  connection: Connection;
  /** Streamed: `connect_timeout` until the response starts. One JSON answer: `timeout` for all of it. */
  streaming: boolean;
  logger: Logger;
  signal: AbortSignal;
}

type Expiry = 'start' | 'idle';

export async function* runUpstream<Chunk>(
  call: UpstreamCall<Chunk>,
  options: UpstreamOptions,
): AsyncGenerator<ProviderEvent, void, undefined> {
  const { connection, logger, signal } = options;
  const context: FailureContext = {
    provider: connection.provider,
    label: connection.label,
    secrets: connection.apiKey === undefined ? [] : [connection.apiKey],
  };
  const startMs = options.streaming ? connection.connectTimeoutMs : Math.max(connection.connectTimeoutMs, connection.idleTimeoutMs);
  const reply = new ReplyState();
  for (let attempt = 0; ; attempt++) {
    if (signal.aborted) throw aborted(context, signal.reason);
    const controller = new AbortController();
    const forwardAbort = (): void => controller.abort(signal.reason);
    signal.addEventListener('abort', forwardAbort, { once: true });
    let iterator: AsyncIterator<Chunk> | undefined;
    let expired: Expiry | undefined;
    let completed = false;
    let released = false;
    const deadline = new Deadline(controller);
    try {
      const chunks = await deadline.within(call.open(controller.signal), startMs, () => (expired = 'start'));
      iterator = chunks[Symbol.asyncIterator]();
      while (true) {
        const next = await deadline.within(iterator.next(), connection.idleTimeoutMs, () => (expired = 'idle'));
        if (next.done) break;
        for (const event of call.toEvents(next.value)) yield* reply.accept(event);
        if (reply.delivered && !released) {
          released = true;
          call.release?.();
        }
      }
      for (const event of call.end?.() ?? []) yield* reply.accept(event);
      if (!reply.delivered && !reply.finished) {
        // Not one event: a body that is no event stream at all (plain text, a proxy's page) parses as nothing.
        // That is a response that could not be read, not an empty reply that ends well.
        throw failureToCallError({ kind: 'malformed', message: 'the answer held no events at all (no text, no finish reason)' }, context, {
          retries: attempt,
          midReply: false,
        });
      }
      completed = true;
      yield* reply.end(() =>
        logger.warn(`${context.provider} ended its stream without a finish reason; the reply is kept as complete`, {
          config: context.label,
        }),
      );
      return;
    } catch (error) {
      if (signal.aborted) throw aborted(context, error);
      if (expired !== undefined) throw timeout(expired, reply.delivered, options.streaming, connection, context);
      if (error instanceof CallError) throw error;
      const failure = call.toFailure(error);
      if (reply.finished) {
        // The reply is whole; only what follows it (usage, the closing frame) was lost.
        logger.warn(`${context.provider} failed after the reply finished; keeping the reply`, {
          config: context.label,
          error: clean(failure.message, context.secrets),
        });
        completed = true;
        yield* reply.end(() => undefined);
        return;
      }
      const canRetry = !reply.delivered && attempt < connection.maxRetries && isRetryable(failure);
      const delay = canRetry ? retryDelayMs(attempt, failure) : undefined;
      if (delay === undefined) throw failureToCallError(failure, context, { retries: attempt, midReply: reply.delivered });
      logger.warn(`${context.provider} failed before the first token; retrying`, {
        config: context.label,
        status: failure.status,
        attempt: attempt + 1,
        delay_ms: delay,
      });
      reply.reset();
      await sleep(delay, undefined, { signal }).catch((sleepError: unknown) => {
        throw aborted(context, sleepError);
      });
    } finally {
      deadline.stop();
      signal.removeEventListener('abort', forwardAbort);
      if (!completed) {
        // Closes the HTTP request: the consumer left, a timer fired, or the attempt failed.
        controller.abort();
        // Not awaited: an SDK iterator that is still waiting on the network must not hold up the caller.
        iterator?.return?.().catch(() => undefined);
      }
    }
  }
}

/** A whole (non-streamed) answer as a one-chunk stream, so it goes through the same policy. */
export async function* once<Value>(value: Value): AsyncGenerator<Value, void, undefined> {
  yield value;
}

/**
 * The deadlines of one attempt: each step of the request (the response starting, then each chunk) races its
 * deadline and the attempt's abort; on expiry the request is aborted. One timer and one abort listener for the
 * whole attempt, re-armed per step (`refresh`), instead of a timer, a listener and two promises per chunk. The
 * clock runs only while a step is awaited, never while the consumer holds the chunk it got.
 *
 * The abort reaches the step awaited now through `#rejectStep`, not by racing one long-lived "aborted" promise:
 * every `Promise.race` against a promise that stays pending leaves a reaction on it, and each reaction kept the
 * race's promise and so the chunk it settled with, for as long as the attempt ran (a 64-chunk reply held all 64
 * parsed SDK chunks, about 65 KB per open stream).
 */
class Deadline {
  readonly #controller: AbortController;
  #timer: NodeJS.Timeout | undefined;
  #timerMs = 0;
  #armed = false;
  #onExpire: () => void = () => undefined;
  /** Rejects the step being awaited; undefined between steps. */
  #rejectStep: ((reason: Error) => void) | undefined;

  constructor(controller: AbortController) {
    this.#controller = controller;
    controller.signal.addEventListener('abort', () => this.#rejectStep?.(controller.signal.reason as Error), { once: true });
  }

  async within<T>(promise: Promise<T>, ms: number, onExpire: () => void): Promise<T> {
    this.#onExpire = onExpire;
    this.#armed = true;
    if (this.#timer !== undefined && this.#timerMs === ms) this.#timer.refresh();
    else {
      clearTimeout(this.#timer);
      this.#timerMs = ms;
      this.#timer = setTimeout(() => this.#expire(), ms);
    }
    try {
      return await new Promise<T>((resolve, reject) => {
        this.#rejectStep = reject;
        promise.then(resolve, reject);
        // Already aborted: as a race would, a step that has already settled still wins (its reaction runs first).
        const { signal } = this.#controller;
        if (signal.aborted) queueMicrotask(() => reject(signal.reason as Error));
      });
    } finally {
      this.#armed = false;
      this.#rejectStep = undefined;
    }
  }

  stop(): void {
    this.#armed = false;
    clearTimeout(this.#timer);
  }

  #expire(): void {
    if (!this.#armed) return;
    this.#onExpire();
    this.#controller.abort();
  }
}

function aborted(context: FailureContext, cause: unknown): CallError {
  return new CallError('ABORTED', `the request to ${context.provider} was cancelled (${context.label})`, { cause });
}

function timeout(expiry: Expiry, delivered: boolean, streaming: boolean, connection: Connection, context: FailureContext): CallError {
  const { provider, label } = context;
  const seconds = (ms: number): string => `${Number((ms / 1000).toFixed(3))} s`;
  const idle = seconds(connection.idleTimeoutMs);
  const message =
    expiry === 'start'
      ? streaming
        ? `${provider} did not start answering within ${seconds(connection.connectTimeoutMs)} (connect_timeout, ${label}); ` +
          'some servers answer only once their first token is ready: raise connect_timeout for a slow or cold model'
        : `${provider} did not answer within ${seconds(Math.max(connection.connectTimeoutMs, connection.idleTimeoutMs))} (timeout, ${label})`
      : delivered
        ? `${provider} went silent for ${idle} mid-reply (timeout, ${label})`
        : `${provider} sent no token within ${idle} after its response started (timeout, ${label})`;
  return new CallError('UPSTREAM_TIMEOUT', message, {
    details: { provider, phase: expiry === 'start' ? 'start' : delivered ? 'between_chunks' : 'first_token' },
  });
}
