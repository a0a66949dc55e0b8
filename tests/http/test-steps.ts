/** @module Steps the HTTP tests register (the product ships none), and a registry and app built from them. */
import { createLogger, type Logger } from '../../src/lib/logger.js';
import { createApp, type AppOptions } from '../../src/http/create-app.js';
import { CallError, callErrorCodes, type CallErrorCode } from '../../src/lib/call-error.js';
import { defineStep, type Step } from '../../src/registry/define-step.js';
import { withEventId } from '../../src/registry/event-id.js';
import { Registry } from '../../src/registry/registry.js';
import type { Services } from '../../src/services.js';

const echo = defineStep<Record<string, unknown>, { success: true; input: Record<string, unknown> }>({
  path: 'plugins/test/echo',
  summary: 'Answers with its input, defaults applied and types coerced.',
  input: {
    type: 'object',
    properties: {
      text: { type: 'string', description: 'Any text.' },
      count: { type: 'integer', minimum: 1, default: 1 },
      stream: { type: 'boolean', default: true },
      conversation_file: { type: 'string' },
      options: { type: 'object', properties: { depth: { type: 'integer' } }, additionalProperties: false },
      tags: { type: 'array', items: { type: 'string' } },
      last_event_id: { type: 'string' },
    },
    required: ['text'],
    additionalProperties: false,
  },
  output: {
    type: 'object',
    properties: { success: { const: true }, input: { type: 'object' } },
    required: ['success', 'input'],
  },
  async run(input) {
    return { success: true, input };
  },
});

const fail = defineStep<{ code: CallErrorCode }, object>({
  path: 'plugins/test/fail',
  summary: 'Fails with the code it is given; INTERNAL is a plain Error, as a bug would be.',
  input: {
    type: 'object',
    properties: { code: { enum: [...callErrorCodes] } },
    required: ['code'],
    additionalProperties: false,
  },
  output: { type: 'object' },
  async run({ code }) {
    if (code === 'INTERNAL') throw new Error('database password is hunter2');
    throw new CallError(code, `failed with ${code}`, { details: { code } });
  },
});

const badOutput = defineStep<object, { n: number }>({
  path: 'plugins/test/bad_output',
  summary: 'Returns what its own schema forbids.',
  input: { type: 'object' },
  output: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] },
  async run() {
    return { n: 'secret text' } as unknown as { n: number };
  },
});

interface TickInput {
  count: number;
  tagged: boolean;
  fail_after?: number;
  fail_code?: CallErrorCode;
  last_event_id?: string;
}

const ticks = defineStep<TickInput, { type: 'tick'; n: number; resumed_from?: string }>({
  path: 'plugins/test/ticks',
  summary: 'Yields `count` ticks, optionally tagged with resumable ids, optionally failing part way.',
  input: {
    type: 'object',
    properties: {
      count: { type: 'integer', minimum: 0, default: 3 },
      tagged: { type: 'boolean', default: false },
      fail_after: { type: 'integer', minimum: 0 },
      fail_code: { enum: [...callErrorCodes] },
      last_event_id: { type: 'string' },
    },
    additionalProperties: false,
  },
  events: {
    type: 'object',
    properties: { type: { const: 'tick' }, n: { type: 'integer' }, resumed_from: { type: 'string' } },
    required: ['type', 'n'],
    additionalProperties: false,
  },
  async *stream(input) {
    for (let n = 1; n <= input.count; n++) {
      if (input.fail_after !== undefined && n > input.fail_after) {
        if (input.fail_code === undefined || input.fail_code === 'INTERNAL') throw new Error('the disk said hunter2');
        throw new CallError(input.fail_code, `tick ${n} failed`);
      }
      const event =
        input.last_event_id === undefined ? { type: 'tick' as const, n } : { type: 'tick' as const, n, resumed_from: input.last_event_id };
      yield input.tagged ? withEventId(event, `gen-1:${n}`) : event;
    }
  },
});

/** What the `hold` step saw, for disconnect tests. */
export interface HoldState {
  started: number;
  aborted: Promise<boolean>;
}

export function holdStep(state: { latest?: HoldState }) {
  return defineStep<object, { type: 'held' }>({
    path: 'plugins/test/hold',
    summary: 'Sends one event, then waits until its signal is aborted (or 5 s pass).',
    input: { type: 'object' },
    events: { type: 'object', properties: { type: { const: 'held' } }, required: ['type'] },
    async *stream(_input, context) {
      let reportAbort: (aborted: boolean) => void = () => {};
      state.latest = { started: Date.now(), aborted: new Promise((resolve) => (reportAbort = resolve)) };
      try {
        yield { type: 'held' as const };
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 5_000);
          context.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
        });
      } finally {
        reportAbort(context.signal.aborted);
      }
    },
  });
}

const missing = defineStep<object, { type: 'never' }>({
  path: 'plugins/test/missing_conversation',
  summary: 'Fails before its first event, as a stream for a missing conversation does.',
  input: { type: 'object' },
  events: { type: 'object' },
  async *stream() {
    throw new CallError('NOT_FOUND', 'no conversation data/conversations/nope/conversation.json');
  },
});

export const testSteps = [echo, fail, badOutput, ticks, missing];

export function testRegistry(extra: Step[] = []): Registry {
  const services = { root: process.cwd(), logger: createLogger({ level: 'silent' }) } as unknown as Services;
  return new Registry([...testSteps, ...extra], services);
}

/** A logger that keeps its JSON lines, parsed, for assertions. */
export function recordingLogger(): { logger: Logger; records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: 'debug',
    format: 'json',
    write: (line) => records.push(JSON.parse(line) as Record<string, unknown>),
  });
  return { logger, records };
}

export function testApp(options: Partial<AppOptions> = {}) {
  const { logger, records } = recordingLogger();
  const app = createApp({ registry: testRegistry(), logger, ...options });
  return { app, records };
}
