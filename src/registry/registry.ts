/**
 * @module The registry: the steps (built-in, discovered, given) compiled once, and the in-process api (`call`, `stream`).
 *
 * The folder src/registry/ owns defineStep, this registry, closest-path suggestions and resumable event ids;
 * with src/services.ts it is what steps are written against. It may import src/lib/, src/store/index.ts,
 * src/llm/ and src/generation/; never a step (they are handed to it) nor src/http/.
 */
import { inputDepthLimit, tooDeepAt } from '../lib/json-depth.js';
import type { Services } from '../services.js';
import { CallError, toCallError } from '../lib/call-error.js';
import { closestPaths } from './closest-paths.js';
import { namespaces, type Step, type StepContext } from './define-step.js';
import { compileSchema, type CompiledSchema } from '../lib/json-schema.js';

const pathPattern = /^(modules|workflow|plugins)(\/[a-z][a-z0-9_]*)+$/;

export interface CallOptions {
  signal?: AbortSignal;
  /** Input came from a query string: coerce text to the schema's types (`"false"` to false). */
  coerce?: boolean;
}

interface CompiledStep {
  step: Step;
  input: CompiledSchema;
  coercedInput: CompiledSchema;
  result: CompiledSchema;
}

const neverAborted = new AbortController().signal;

export class Registry {
  readonly #steps = new Map<string, CompiledStep>();
  readonly #services: Services;

  constructor(steps: readonly Step[], services: Services) {
    this.#services = services;
    for (const step of steps) this.add(step);
  }

  /** Registers one more step; throws (a plain Error naming the path) for a bad path, a duplicate or a bad schema. */
  add(step: Step): void {
    if (!pathPattern.test(step.path)) {
      throw new Error(
        `step path "${step.path}" must be <namespace>/<segment>[/...] with namespace ${namespaces.join('|')} and lower snake_case segments`,
      );
    }
    if (this.#steps.has(step.path)) throw new Error(`step path "${step.path}" is registered twice`);
    try {
      this.#steps.set(step.path, {
        step,
        input: compileSchema(step.input),
        coercedInput: compileSchema(step.input, { coerce: true }),
        result: compileSchema(step.kind === 'plain' ? step.output : step.events),
      });
    } catch (error) {
      throw new Error(`step "${step.path}" has an invalid schema: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Every registered step, in registration order. */
  list(): Step[] {
    return [...this.#steps.values()].map(({ step }) => step);
  }

  /** Whether a step is registered at `path`. */
  has(path: string): boolean {
    return this.#steps.has(path);
  }

  /** The step at `path`, or NOT_FOUND naming the closest registered paths. */
  get(path: string): Step {
    return this.#lookup(path).step;
  }

  async call<Output = unknown>(path: string, input: unknown, options: CallOptions = {}): Promise<Output> {
    const compiled = this.#lookup(path);
    const { step } = compiled;
    if (step.kind !== 'plain') {
      throw new CallError('BAD_INPUT', `${path} is a streaming step: use stream(), or GET/POST it for Server-Sent Events`, { path });
    }
    const signal = options.signal ?? neverAborted;
    const checkedInput = this.#checkInput(compiled, input, options);
    let output: unknown;
    try {
      signal.throwIfAborted();
      output = await step.run(checkedInput, this.#context(path, signal));
    } catch (error) {
      throw this.#tag(error, path, signal);
    }
    return compiled.result.check(output, 'OUTPUT_INVALID', `output of ${path}`) as Output;
  }

  /**
   * A lazy stream of the step's events. Input errors surface on the first `next()`, before any event.
   * Leaving early (`break`, `return()`) or aborting `options.signal` aborts the step's own signal.
   */
  stream<Event = unknown>(path: string, input: unknown, options: CallOptions = {}): AsyncIterable<Event> {
    return new StepEvents(this, path, input, options) as AsyncIterable<Event>;
  }

  /** What a stream needs when its first event is asked for: the step's own iterator, its signal, the event check. */
  openStream(path: string, input: unknown, options: CallOptions): OpenedStream {
    const compiled = this.#lookup(path);
    const { step } = compiled;
    if (step.kind !== 'stream') {
      throw new CallError('BAD_INPUT', `${path} is not a streaming step: use call(), or POST it for JSON`, { path });
    }
    const checkedInput = this.#checkInput(compiled, input, options);
    const controller = new AbortController();
    const outer = options.signal;
    const forwardAbort = (): void => controller.abort(outer?.reason);
    if (outer?.aborted) forwardAbort();
    outer?.addEventListener('abort', forwardAbort, { once: true });
    return {
      iterator: step.stream(checkedInput, this.#context(path, controller.signal))[Symbol.asyncIterator](),
      controller,
      check: (event) => compiled.result.check(event, 'OUTPUT_INVALID', `an event of ${path}`),
      tag: (error) => this.#tag(error, path, controller.signal),
      unlink: () => outer?.removeEventListener('abort', forwardAbort),
    };
  }

  #lookup(path: string): CompiledStep {
    const compiled = this.#steps.get(path);
    if (compiled) return compiled;
    const suggestions = closestPaths(path, this.#steps.keys());
    const hint = suggestions.length > 0 ? `; did you mean ${suggestions.join(', ')}?` : '';
    throw new CallError('NOT_FOUND', `no step at "${path}"${hint}`, { details: { suggestions }, path });
  }

  #checkInput(compiled: CompiledStep, input: unknown, options: CallOptions): unknown {
    const schema = options.coerce ? compiled.coercedInput : compiled.input;
    const tooDeep = tooDeepAt(input, inputDepthLimit);
    if (tooDeep !== undefined) {
      // Checked first and without recursion: cloning or validating such a value would overflow the stack.
      throw new CallError(
        'BAD_INPUT',
        `input of ${compiled.step.path} nests deeper than ${inputDepthLimit} levels at ${tooDeep}; no field needs that`,
        {
          path: compiled.step.path,
        },
      );
    }
    // Defaults are applied in place: work on a copy so the caller's object is never changed under it.
    const copy = input === undefined ? {} : structuredClone(input);
    try {
      return schema.check(copy, 'BAD_INPUT', `input of ${compiled.step.path}`);
    } catch (error) {
      throw this.#tag(error, compiled.step.path, neverAborted);
    }
  }

  #context(path: string, signal: AbortSignal): StepContext {
    const logger = this.#services.logger;
    return {
      path,
      signal,
      services: this.#services,
      logger,
      listSteps: () => this.list(),
      call: (nestedPath, input, options = {}) => {
        logger.debug('nested call', { from: path, to: nestedPath });
        return this.call(nestedPath, input, { signal: options.signal ?? signal });
      },
      stream: (nestedPath, input, options = {}) => {
        logger.debug('nested stream', { from: path, to: nestedPath });
        return this.stream(nestedPath, input, { signal: options.signal ?? signal });
      },
    };
  }

  #tag(error: unknown, path: string, signal: AbortSignal): CallError {
    let callError = toCallError(error);
    if (signal.aborted && callError.code === 'INTERNAL') {
      callError = new CallError('ABORTED', `${path} was aborted`, { cause: error, path });
    }
    if (callError.code === 'INTERNAL' && callError.message === 'internal error') {
      const reason = error instanceof Error ? error.message : String(error);
      callError = new CallError('INTERNAL', `internal error in ${path}: ${reason}`, { cause: error, path });
    }
    callError.path ??= path;
    return callError;
  }
}

interface OpenedStream {
  iterator: AsyncIterator<unknown>;
  controller: AbortController;
  check(event: unknown): unknown;
  tag(error: unknown): CallError;
  /** Stops forwarding the caller's abort. */
  unlink(): void;
}

/**
 * A step's events as the registry hands them out: opened lazily (input errors surface on the first `next()`,
 * before any event), each event checked against the step's schema, errors tagged with the path. Leaving early
 * (`return()`, or an event that fails its check) aborts the step's own signal first, so the work beneath sees it
 * while it cleans up. A plain iterator rather than an async generator: one promise per event instead of a
 * generator's queue and resumption, on the path every streamed chunk takes.
 */
class StepEvents implements AsyncIterableIterator<unknown> {
  readonly #registry: Registry;
  readonly #path: string;
  /** Until the stream opens: then the step has its own checked copy, and a long stream need not keep this one. */
  #input: unknown;
  readonly #options: CallOptions;
  #opened: OpenedStream | undefined;
  #finished = false;

  constructor(registry: Registry, path: string, input: unknown, options: CallOptions) {
    this.#registry = registry;
    this.#path = path;
    this.#input = input;
    this.#options = options;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<unknown>> {
    if (this.#finished) return { done: true, value: undefined };
    let opened = this.#opened;
    if (opened === undefined) {
      try {
        opened = this.#opened = this.#registry.openStream(this.#path, this.#input, this.#options);
        this.#input = undefined;
      } catch (error) {
        this.#finished = true;
        throw error;
      }
    }
    let result: IteratorResult<unknown>;
    try {
      opened.controller.signal.throwIfAborted();
      result = await opened.iterator.next();
    } catch (error) {
      this.#finish();
      throw opened.tag(error);
    }
    if (result.done) {
      this.#finish();
      return { done: true, value: undefined };
    }
    try {
      return { done: false, value: opened.check(result.value) };
    } catch (error) {
      await this.return();
      throw error;
    }
  }

  /** The consumer left early: abort first so the work beneath sees the signal while it cleans up. */
  async return(): Promise<IteratorResult<unknown>> {
    const opened = this.#opened;
    if (this.#finished || opened === undefined) {
      this.#finished = true;
      return { done: true, value: undefined };
    }
    this.#finish();
    opened.controller.abort(new CallError('ABORTED', `the consumer of ${this.#path} stopped reading`));
    await opened.iterator.return?.();
    return { done: true, value: undefined };
  }

  #finish(): void {
    this.#finished = true;
    this.#opened?.unlink();
  }
}
