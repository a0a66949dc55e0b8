/** @module Steps over running generations: abort, status, the list, attaching another viewer, and approving a tool call. */
import type { GenerationEvent } from '../../src/generation/generation-events.js';
import { generationEventSchema } from '../../src/generation/generation-events.js';
import { generationSummarySchema, type GenerationSummary } from '../../src/generation/generation.js';
import { CallError } from '../../src/lib/call-error.js';
import { defineStep } from '../../src/registry/define-step.js';
import { viewGeneration } from './job/start-generation.js';

const generationIdInput = {
  type: 'object',
  properties: { generation_id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } },
  required: ['generation_id'],
  additionalProperties: false,
} as const;

const oneGeneration = {
  type: 'object',
  properties: { success: { const: true }, generation: generationSummarySchema },
  required: ['success', 'generation'],
  additionalProperties: false,
} as const;

interface OneGeneration {
  success: true;
  generation: GenerationSummary;
}

export const abortGeneration = defineStep<{ generation_id: string }, OneGeneration>({
  path: 'workflow/chat_completion/abort',
  summary: 'Stop a generation; answers after its partial reply is saved.',
  input: generationIdInput,
  output: oneGeneration,
  async run(input, context) {
    return { success: true, generation: await context.services.generations.abortAnywhere(input.generation_id) };
  },
});

export const generationStatus = defineStep<{ generation_id: string }, OneGeneration>({
  path: 'workflow/chat_completion/status',
  summary: 'The state of one generation (running or done, how it ended, the saved node).',
  input: generationIdInput,
  output: oneGeneration,
  async run(input, context) {
    return { success: true, generation: (await context.services.generations.getAnywhere(input.generation_id)).summary() };
  },
});

export const listGenerations = defineStep<{ running_only: boolean }, { success: true; generations: GenerationSummary[] }>({
  path: 'workflow/chat_completion/generations',
  summary:
    'The generations this server knows (with a shared generation log, those of every server): running ones, and finished ones kept for late viewers.',
  input: {
    type: 'object',
    properties: { running_only: { type: 'boolean', default: false } },
    additionalProperties: false,
  },
  output: {
    type: 'object',
    properties: { success: { const: true }, generations: { type: 'array', items: generationSummarySchema } },
    required: ['success', 'generations'],
    additionalProperties: false,
  },
  async run(input, context) {
    const generations = await context.services.generations.listAnywhere();
    return {
      success: true,
      generations: input.running_only ? generations.filter((generation) => generation.status === 'running') : generations,
    };
  },
});

export const attachGeneration = defineStep<{ generation_id: string; after_seq: number }, GenerationEvent>({
  path: 'workflow/chat_completion/attach',
  summary: 'Watch a generation someone else started: its log from after_seq, then the live tail. Leaving never stops it.',
  input: {
    type: 'object',
    properties: { ...generationIdInput.properties, after_seq: { type: 'integer', minimum: 0, default: 0 } },
    required: ['generation_id'],
    additionalProperties: false,
  },
  events: generationEventSchema,
  async *stream(input, context) {
    const generation = await context.services.generations.getAnywhere(input.generation_id);
    yield* viewGeneration(generation, input.after_seq, context);
  },
});

interface ApproveInput {
  generation_id: string;
  tool_call_id: string;
  approve: boolean;
  reason?: string;
}

export const approveToolCall = defineStep<ApproveInput, { success: true; tool_call_id: string; approved: boolean }>({
  path: 'workflow/chat_completion/approve',
  summary: 'Answer a tool call waiting for approval (a tool_approval event): run it, or deny it with a reason the model sees.',
  description:
    'NOT_FOUND when the generation is unknown; CONFLICT when the call is not waiting (answered already, timed out, never asked) ' +
    'or the generation runs on another server (approvals go to the server running it).',
  input: {
    type: 'object',
    properties: {
      ...generationIdInput.properties,
      tool_call_id: { type: 'string', minLength: 1 },
      approve: { type: 'boolean' },
      reason: { type: 'string', maxLength: 2000, description: 'Told to the model with a denial.' },
    },
    required: ['generation_id', 'tool_call_id', 'approve'],
    additionalProperties: false,
  },
  output: {
    type: 'object',
    properties: { success: { const: true }, tool_call_id: { type: 'string' }, approved: { type: 'boolean' } },
    required: ['success', 'tool_call_id', 'approved'],
    additionalProperties: false,
  },
  async run(input, context) {
    const generations = context.services.generations;
    const generation = generations.find(input.generation_id);
    if (!generation) {
      await generations.getAnywhere(input.generation_id); // NOT_FOUND when no server knows it
      throw new CallError('CONFLICT', `generation ${input.generation_id} runs on another server; send the approval to that server`);
    }
    const decided = generation.approvals.decide(input.tool_call_id, {
      approve: input.approve,
      ...(input.reason === undefined ? {} : { reason: input.reason }),
    });
    if (!decided) {
      throw new CallError(
        'CONFLICT',
        `tool call ${input.tool_call_id} of generation ${input.generation_id} is not waiting for approval (answered, timed out, or never asked)`,
        { details: { waiting: generation.approvals.waiting } },
      );
    }
    return { success: true, tool_call_id: input.tool_call_id, approved: input.approve };
  },
});
