/**
 * @module Saves a finished (or partial) reply into the conversation, re-read fresh under the file's lock by
 * the chat_branches steps. When the tree cannot take it (the parent was deleted, the file was broken by
 * hand and stays broken), the reply goes to a recovery file beside the conversation instead of being lost.
 */
import type { Generation, GenerationResult } from '../../../src/generation/generation.js';
import type { GenerationEvent } from '../../../src/generation/generation-events.js';
import { toCallError, type CallError } from '../../../src/lib/call-error.js';
import type { StepContext } from '../../../src/registry/define-step.js';
import { keptChanging, type NodeMeta } from '../../../src/store/index.js';
import { writeRecoveryFile } from '../../../src/generation/journal.js';
import { toolStepsField } from '../../../src/generation/reply-fold.js';
import type { GenerationPlan } from './generation-plan.js';

/** Saving must finish even when the generation (or its client) was aborted. */
const unaborted = new AbortController().signal;

/**
 * A conversation that does not parse is most often one an editor is saving in place right now (truncated,
 * half rewritten), and one that kept changing through every attempt of a save is being edited right now: look
 * again after these pauses before sending the reply to a recovery file.
 */
const busyFileRetryDelaysMs = [100, 400, 1000];

export interface SaveOutcome {
  /** The reply is durable somewhere (tree or recovery file), so the journal may go. */
  kept: boolean;
  event?: GenerationEvent;
  error?: { code: string; message: string };
}

export async function saveReply(
  generation: Generation,
  plan: GenerationPlan,
  result: GenerationResult,
  context: StepContext,
  finalContent = generation.content,
): Promise<SaveOutcome> {
  const { content, meta } = await beforeSave(generation, plan, result, finalContent);
  let nodeId: string | undefined;
  for (let attempt = 0; nodeId === undefined; attempt++) {
    try {
      nodeId = await writeToTree(plan, content, replyFields(generation), meta, context);
    } catch (error) {
      const cause = toCallError(error);
      const delay = busyFileRetryDelaysMs[attempt];
      if (!worthRetrying(cause) || delay === undefined) return recover(generation, plan, result, content, meta, cause, context);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
  generation.savedNodeId = nodeId;
  // Hooks changed the text after it streamed: the saved event says what the node holds, and `complete` answers it.
  const changed = content !== generation.content;
  generation.content = content;
  if (plan.includeDoc) {
    // The conversation as it is now (a cache hit): the reply, plus anything saved beside it meanwhile. The reply
    // is already durable, so a failed read only leaves the doc out.
    const read = await context
      .call<{ doc: unknown }>('modules/chat_branches/get', { file: plan.conversationFile }, { signal: unaborted })
      .catch(() => undefined);
    if (read) result.doc = read.doc;
  }
  return {
    kept: true,
    event: {
      type: 'saved',
      node_id: nodeId,
      ...(changed ? { content } : {}),
      usage: result.usage,
      ...(result.partial ? { partial: true } : {}),
      ...(result.doc === undefined ? {} : { doc: result.doc }),
    },
  };
}

/** Appends the reply, or fills the empty target node; returns the id it was saved as. */
async function writeToTree(
  plan: GenerationPlan,
  content: string,
  fields: Record<string, unknown>,
  meta: NodeMeta,
  context: StepContext,
): Promise<string> {
  const common = { file: plan.conversationFile, content, ...fields, meta, return_mode: 'none' };
  const append = (nodeId: string) =>
    context.call(
      'modules/chat_branches/append_message',
      { ...common, node_id: nodeId, pid: plan.parentId, role: 'assistant' },
      { signal: unaborted },
    );
  if (!plan.fillTarget) {
    await append(plan.nodeId);
    return plan.nodeId;
  }
  try {
    // Compare-and-set: the node must still be empty, or a hand edit made meanwhile would be overwritten.
    await context.call(
      'modules/chat_branches/update_message',
      { ...common, node_id: plan.nodeId, expected_content: '' },
      { signal: unaborted },
    );
    return plan.nodeId;
  } catch (error) {
    // Someone wrote into the empty node meanwhile: keep their text and save the reply as its sibling.
    const cause = toCallError(error);
    if (cause.code !== 'CONFLICT' || isBeingEdited(cause)) throw error;
    await append(`${plan.nodeId}_r`);
    return `${plan.nodeId}_r`;
  }
}

/** Someone is editing the file right now, or a shared store (a database restarting) cannot be reached for a moment. */
function worthRetrying(cause: CallError): boolean {
  return isBeingEdited(cause) || cause.code === 'UNAVAILABLE';
}

/** The file is half-written or keeps changing: someone is editing it by hand right now. */
function isBeingEdited(cause: CallError): boolean {
  if (cause.code === 'INVALID_FILE') return true;
  const details = cause.details as { reason?: unknown } | undefined;
  return cause.code === 'CONFLICT' && details?.reason === keptChanging;
}

async function recover(
  generation: Generation,
  plan: GenerationPlan,
  result: GenerationResult,
  content: string,
  meta: NodeMeta,
  cause: { code: string; message: string },
  context: StepContext,
): Promise<SaveOutcome> {
  const why = `the reply could not be saved in ${plan.conversationFile} (${cause.message})`;
  try {
    const recoveryFile = await writeRecoveryFile(context.services.root, {
      conversation_file: plan.conversationFile,
      generation_id: generation.id,
      parent_id: plan.parentId,
      node_id: plan.nodeId,
      role: 'assistant',
      content,
      ...replyFields(generation),
      meta,
      reason: cause.message,
      saved_at: new Date().toISOString(),
    });
    result.recoveryFile = recoveryFile;
    context.logger.warn('reply written to a recovery file', {
      generation_id: generation.id,
      recovery_file: recoveryFile,
      reason: cause.message,
    });
    return { kept: true, error: { code: cause.code, message: `${why}; it was written to ${recoveryFile}` } };
  } catch (error) {
    context.logger.error('recovery file failed; the journal is kept for start-up recovery', { generation_id: generation.id, error });
    return {
      kept: false,
      error: { code: cause.code, message: `${why}; it stays in the generation journal and is recovered at the next start` },
    };
  }
}

/** The node as plugins' beforeSave hooks leave it; a failing hook leaves it as it was, marked partial with the error. */
async function beforeSave(
  generation: Generation,
  plan: GenerationPlan,
  result: GenerationResult,
  content: string,
): Promise<{ content: string; meta: NodeMeta }> {
  const node = { node_id: plan.nodeId, pid: plan.parentId, role: 'assistant' as const, content, meta: nodeMeta(generation, plan, result) };
  try {
    return await plan.hooks.beforeSave(node, plan.conversationFile);
  } catch (error) {
    const callError = toCallError(error);
    result.error = { code: callError.code, message: callError.message };
    result.partial = true;
    return { content, meta: nodeMeta(generation, plan, result) };
  }
}

function nodeMeta(generation: Generation, plan: GenerationPlan, result: GenerationResult): NodeMeta {
  return {
    generation_id: generation.id,
    provider: plan.provider,
    model: result.modelUsed ?? plan.model,
    usage: result.usage,
    ...(result.usage?.reasoning_tokens === undefined ? {} : { reasoning_tokens: result.usage.reasoning_tokens }),
    ...(result.cost === undefined ? {} : { cost: result.cost }),
    finish_reason: result.finishReason,
    response_time: round(result.responseTime),
    ...(result.timeToFirstToken === undefined ? {} : { ttft: round(result.timeToFirstToken) }),
    ...(result.partial ? { partial: true } : {}),
    ...(result.error ? { error: result.error } : {}),
  };
}

/** The node's data fields beside `content`: the reasoning and the tool steps, each only when there is some. */
function replyFields(generation: Generation): Record<string, unknown> {
  return { ...reasoningField(generation.reasoning), ...toolStepsField(generation.toolSteps) };
}

/** The node's `reasoning` field: present only when the model reasoned, so other nodes stay as they were. */
export function reasoningField(reasoning: string): { reasoning?: string } {
  return reasoning === '' ? {} : { reasoning };
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
