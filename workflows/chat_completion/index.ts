/**
 * @module The chat_completion workflow's steps, in registration order.
 *
 * The folder owns the `workflow/chat_completion/*` steps and, in job/, the generation job: prepare, start, run
 * (relay and journal), save, and start-up recovery of interrupted replies. It may import src/lib/,
 * src/store/index.ts, src/llm/, src/generation/, src/registry/ and src/services.ts; other steps
 * (`modules/chat_branches/*`, `modules/llm_api/chat_stream`) are reached by path through `context.call` and
 * `context.stream`, not by import.
 */
import type { Step } from '../../src/registry/define-step.js';
import { complete } from './complete.js';
import { completeStream } from './complete-stream.js';
import { abortGeneration, attachGeneration, generationStatus, listGenerations } from './generation-steps.js';
import { regenerate } from './regenerate.js';
import { send } from './send.js';

export const chatCompletionSteps: Step[] = [
  complete,
  completeStream,
  abortGeneration,
  generationStatus,
  listGenerations,
  attachGeneration,
  send,
  regenerate,
];
