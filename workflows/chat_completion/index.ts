/**
 * @module The chat_completion workflow: its steps, in registration order. The engine finds this folder like any
 * workflow folder (its default export is `defineWorkflow`), so the built-in workflow is loaded the way users' are.
 *
 * The folder owns the `workflow/chat_completion/*` steps and, in job/, the generation job: prepare, start, run
 * (relay, tool loop and journal), save, and start-up recovery of interrupted replies; in tools/, the tools of one
 * completion and the running of a step's calls. It may import src/lib/, src/store/index.ts, src/llm/,
 * src/generation/, src/registry/, src/plugins/ (hooks) and src/services.ts; other steps (`modules/chat_branches/*`,
 * `modules/llm_api/chat_stream`) are reached by path through `context.call` and `context.stream`. Tools are the
 * exception: they are listed and run through src/modules/tools/ functions, because a running tool reports progress
 * through a callback a step call cannot carry.
 */
import { defineWorkflow } from '../../src/plugins/define-plugin.js';
import { complete } from './complete.js';
import { completeStream } from './complete-stream.js';
import { abortGeneration, approveToolCall, attachGeneration, generationStatus, listGenerations } from './generation-steps.js';
import { regenerate } from './regenerate.js';
import { send } from './send.js';

export default defineWorkflow({
  name: 'chat_completion',
  description: 'Replies generated into conversation files: complete, complete_stream, send, regenerate, and the running generations.',
  steps: [
    complete,
    completeStream,
    abortGeneration,
    generationStatus,
    listGenerations,
    attachGeneration,
    approveToolCall,
    send,
    regenerate,
  ],
});
