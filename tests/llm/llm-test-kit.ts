/** @module Helpers shared by the LLM tests: temporary roots, a logger that keeps its lines, collecting streams and failures. */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as assert from 'uvu/assert';
import { createLogger, type Logger } from '../../src/lib/logger.js';
import { CallError } from '../../src/lib/call-error.js';
export { failure } from '../helpers/call-failure.js';

export interface CapturingLogger extends Logger {
  lines: string[];
}

/** A debug-level logger whose lines (secrets masked, as in production) are kept for assertions. */
export function capturingLogger(): CapturingLogger {
  const lines: string[] = [];
  return Object.assign(createLogger({ level: 'debug', format: 'json', write: (line) => lines.push(line) }), { lines });
}

/** A temporary root holding `files` (path -> JSON value, or text when a string). */
export async function tempRoot(files: Record<string, unknown> = {}): Promise<{ root: string; remove(): Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'branchflow-llm-'));
  await mkdir(join(root, 'data/llm_configs'), { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return { root, remove: () => rm(root, { recursive: true, force: true }) };
}

export async function collect<Event>(events: AsyncIterable<Event>): Promise<Event[]> {
  const list: Event[] = [];
  for await (const event of events) list.push(event);
  return list;
}

/** Collects a stream until it throws; the events before the throw and the CallError. */
export async function collectUntilFailure<Event>(events: AsyncIterable<Event>): Promise<{ events: Event[]; error: CallError }> {
  const list: Event[] = [];
  try {
    for await (const event of events) list.push(event);
  } catch (error) {
    assert.instance(error, CallError);
    return { events: list, error: error as CallError };
  }
  assert.unreachable('expected the stream to fail');
  throw new Error('unreachable');
}

export const neverAborted = new AbortController().signal;

export const userSaysHi = { messages: [{ role: 'user' as const, content: 'Hi' }] };
