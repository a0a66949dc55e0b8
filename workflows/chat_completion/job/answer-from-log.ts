/**
 * @module `complete`'s answer for a generation another server runs (a retried `request_id` landing elsewhere,
 * with a shared generation log): its log is followed to the end and the answer read from the events, the same
 * fields (and the same errors) the server running it would answer with.
 */
import type { GenerationView } from '../../../src/generation/generation-log.js';
import type { UsageCounts } from '../../../src/generation/generation-events.js';
import { CallError } from '../../../src/lib/call-error.js';
import { replyError } from './reply-error.js';
import { ReplyFold, toolStepsField } from '../../../src/generation/reply-fold.js';
import type { ToolStep } from '../../../src/store/index.js';

/** `complete`'s answer (SmartTavern's shape, plus reasoning and tool steps). */
export interface CompleteAnswer {
  success: true;
  content: string;
  reasoning?: string;
  tool_steps?: ToolStep[];
  node_id: string;
  parent_id: string;
  generation_id: string;
  usage: UsageCounts | null;
  cost?: number;
  finish_reason: string;
  response_time: number;
  model_used: string | null;
  partial?: boolean;
  doc?: unknown;
}

export async function answerFromLog(view: GenerationView, signal: AbortSignal): Promise<CompleteAnswer> {
  const reply = new ReplyFold();
  let saved: string | undefined;
  let nodeId: string | undefined;
  let usage: UsageCounts | null = null;
  let cost: number | undefined;
  let finishReason = 'stop';
  let partial = false;
  let doc: unknown;
  let error: { code: string; message: string; recovery_file?: string } | undefined;
  for await (const { event } of view.follow(0, signal)) {
    reply.apply(event);
    if (event.type === 'finish') finishReason = event.finish_reason;
    else if (event.type === 'usage') {
      usage = event.usage;
      cost = event.cost;
    } else if (event.type === 'saved') {
      nodeId = event.node_id;
      usage = event.usage ?? usage;
      partial = event.partial === true;
      saved = event.content;
      doc = event.doc;
    } else if (event.type === 'error') error = event;
  }
  const summary = view.summary();
  if (error !== undefined) {
    throw replyError({ generationId: view.id, error, nodeId, recoveryFile: error.recovery_file });
  }
  if (nodeId === undefined) {
    throw new CallError(
      'UPSTREAM_FAILED',
      `generation ${view.id} ended without a reply; nothing was saved to ${summary.conversation_file}`,
      {
        details: { generation_id: view.id },
      },
    );
  }
  const finishedAt = summary.finished_at === undefined ? Date.now() : Date.parse(summary.finished_at);
  return {
    success: true,
    content: saved ?? reply.content,
    ...(reply.reasoning === '' ? {} : { reasoning: reply.reasoning }),
    ...toolStepsField(reply.toolSteps),
    node_id: nodeId,
    parent_id: summary.parent_id,
    generation_id: view.id,
    usage,
    ...(cost === undefined ? {} : { cost }),
    finish_reason: finishReason,
    response_time: Math.round((finishedAt - Date.parse(summary.started_at)) / 10) / 100,
    model_used: view.model ?? null,
    ...(partial ? { partial: true } : {}),
    ...(doc === undefined ? {} : { doc }),
  };
}
