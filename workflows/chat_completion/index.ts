/** @module The chat_completion workflow's steps, in registration order. */
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
