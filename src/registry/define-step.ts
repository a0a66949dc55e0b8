/**
 * @module defineStep: a step is a path, a summary, its JSON schemas and one function (`run`, or `stream` for SSE).
 * Types are written by hand beside each schema (json-schema-to-ts made one schema cost a minute of type-checking);
 * ajv checks every input, output and event against the schema at run time, so a type that drifts fails loudly.
 */
import type { JsonSchema } from '../lib/json-schema.js';
import type { Logger } from '../lib/logger.js';
import type { Services } from '../services.js';

export type Namespace = 'modules' | 'workflow' | 'plugins';
export const namespaces: readonly Namespace[] = ['modules', 'workflow', 'plugins'];

/** What a running step can reach: nested calls (validated and traced like outside calls), the signal, services. */
export interface StepContext {
  /** The full path of the step being run. */
  readonly path: string;
  /** Aborted when the caller gives up: a client disconnect, a `break` out of the stream, an abort call. */
  readonly signal: AbortSignal;
  readonly services: Services;
  readonly logger: Logger;
  call<Output = unknown>(path: string, input: unknown, options?: { signal?: AbortSignal }): Promise<Output>;
  /** Every registered step (for steps that list others, such as the tool list). */
  listSteps(): readonly Step[];
  stream<Event = unknown>(path: string, input: unknown, options?: { signal?: AbortSignal }): AsyncIterable<Event>;
}

interface StepHeader {
  /** `<namespace>/<segment>/...`, lower snake_case segments. */
  path: string;
  summary: string;
  description?: string;
  input: JsonSchema;
  /**
   * Offer this step to models as a tool (its input schema the parameters, its summary the description). Off by
   * default, so an internal step is never exposed by accident.
   */
  tool?: boolean;
}

export interface PlainStepSpec<Input, Output> extends StepHeader {
  output: JsonSchema;
  run(input: Input, context: StepContext): Promise<Output>;
}

export interface StreamStepSpec<Input, Event> extends StepHeader {
  /** The schema of one event; every event is an object with a `type` field. */
  events: JsonSchema;
  stream(input: Input, context: StepContext): AsyncIterable<Event>;
}

/** A step with its types erased: what the registry stores. */
export type Step = ({ kind: 'plain' } & PlainStepSpec<unknown, unknown>) | ({ kind: 'stream' } & StreamStepSpec<unknown, unknown>);

export function defineStep<Input, Output>(spec: PlainStepSpec<Input, Output>): Step;
export function defineStep<Input, Event>(spec: StreamStepSpec<Input, Event>): Step;
export function defineStep(spec: PlainStepSpec<never, unknown> | StreamStepSpec<never, unknown>): Step {
  return 'stream' in spec ? { kind: 'stream', ...spec } : { kind: 'plain', ...spec };
}
