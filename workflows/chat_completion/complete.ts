/** @module workflow/chat_completion/complete: generate a reply, save it, answer with it (SmartTavern's shape). */
import { CallError } from '../../src/lib/call-error.js';
import { defineStep } from '../../src/registry/define-step.js';
import { toolStepsField } from '../../src/generation/reply-fold.js';
import { completionInputSchema, type CompletionInput } from './completion-input.js';
import { Generation } from '../../src/generation/generation.js';
import { answerFromLog, type CompleteAnswer } from './job/answer-from-log.js';
import { startGeneration } from './job/start-generation.js';
import { replyError } from './job/reply-error.js';

/** The answer is the same whether this server ran the generation or read it from another server's log. */
type CompleteOutput = CompleteAnswer;

const usage = {
  type: ['object', 'null'],
  properties: {
    prompt_tokens: { type: 'integer' },
    completion_tokens: { type: 'integer' },
    total_tokens: { type: 'integer' },
    reasoning_tokens: { type: 'integer' },
    cache_read_tokens: { type: 'integer' },
    cache_write_tokens: { type: 'integer' },
  },
} as const;

export const complete = defineStep<CompletionInput, CompleteOutput>({
  path: 'workflow/chat_completion/complete',
  summary: 'Generate a reply, save it as a node of the conversation, and answer with it.',
  description:
    'Runs as a server-side generation like complete_stream: if the client goes away the reply is still saved (on_disconnect "continue"). ' +
    'A provider failure after some text saves that text as a partial node and answers the error with details.node_id.',
  input: completionInputSchema,
  output: {
    type: 'object',
    properties: {
      success: { const: true },
      content: { type: 'string' },
      reasoning: { type: 'string', description: "The model's reasoning, saved in the node's `reasoning` field." },
      tool_steps: { type: 'array', description: 'The tool calls and results of the reply, as saved in the node (when it called tools).' },
      node_id: { type: 'string' },
      parent_id: { type: 'string' },
      generation_id: { type: 'string' },
      usage,
      cost: { type: 'number' },
      finish_reason: { type: 'string' },
      response_time: { type: 'number' },
      model_used: { type: ['string', 'null'] },
      partial: { type: 'boolean' },
      doc: { type: 'object' },
    },
    required: ['success', 'content', 'node_id', 'parent_id', 'generation_id', 'usage', 'finish_reason', 'response_time', 'model_used'],
    additionalProperties: false,
  },
  async run(input, context) {
    const generation = await startGeneration(input, context);
    // A retried request_id whose generation runs on another server: its answer is read from the shared log.
    if (!(generation instanceof Generation)) return answerFromLog(generation, context.signal);
    const leave = (): void => {
      if (input.on_disconnect === 'abort') generation.abort('disconnect');
    };
    context.signal.addEventListener('abort', leave, { once: true });
    await generation.ended.finally(() => context.signal.removeEventListener('abort', leave));

    const result = generation.result!;
    const nodeId = generation.savedNodeId;
    if (result.error) {
      throw replyError({ generationId: generation.id, error: result.error, nodeId, recoveryFile: result.recoveryFile });
    }
    if (nodeId === undefined) {
      const why = generation.outcome === 'aborted' ? 'the generation was aborted before any text' : 'the provider returned an empty reply';
      throw new CallError('UPSTREAM_FAILED', `${why}; nothing was saved to ${generation.conversationFile}`, {
        details: { generation_id: generation.id },
      });
    }
    return {
      success: true,
      content: generation.content,
      ...(generation.reasoning === '' ? {} : { reasoning: generation.reasoning }),
      ...toolStepsField(generation.toolSteps),
      node_id: nodeId,
      parent_id: generation.parentId,
      generation_id: generation.id,
      usage: result.usage,
      ...(result.cost === undefined ? {} : { cost: result.cost }),
      finish_reason: result.finishReason,
      response_time: result.responseTime,
      model_used: result.modelUsed ?? null,
      ...(result.partial ? { partial: true } : {}),
      ...(result.doc === undefined ? {} : { doc: result.doc }),
    };
  },
});
