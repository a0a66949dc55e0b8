/**
 * @module The job behind every completion: relay the provider's stream into the generation's log, run the tool
 * calls it makes and call the model again with their results (the tool loop, up to max_steps), checkpoint text,
 * reasoning and tool events to a journal, and on every way out (done, abort, provider error, shutdown) save what was
 * generated, marked, before logging `end`. A reply with no text, reasoning or tool call saves nothing.
 */
import type { Generation, GenerationResult } from '../../../src/generation/generation.js';
import type { UsageCounts } from '../../../src/generation/generation-events.js';
import { toCallError } from '../../../src/lib/call-error.js';
import type { StepContext } from '../../../src/registry/define-step.js';
import { GenerationJournal } from '../../../src/generation/journal.js';
import type { GenerationPlan, UpstreamEvent } from './generation-plan.js';
import { runToolCalls, type ModelStep } from '../tools/run-tool-calls.js';
import { saveReply } from './save-reply.js';

const abortMessages = {
  user: 'the generation was stopped by an abort call',
  disconnect: 'the generation was stopped because its client went away (on_disconnect: "abort")',
  shutdown: 'the generation was stopped because the server shut down',
} as const;

export async function runGeneration(generation: Generation, plan: GenerationPlan, context: StepContext): Promise<void> {
  const { services } = context;
  const startedAt = performance.now();
  const journal = await GenerationJournal.open(
    services.root,
    {
      generation_id: generation.id,
      conversation_file: plan.conversationFile,
      parent_id: plan.parentId,
      node_id: plan.nodeId,
      fill_target: plan.fillTarget,
      provider: plan.provider,
      model: plan.model,
      started_at: generation.startedAt.toISOString(),
    },
    services.generations.checkpointIntervalMs,
    (error) => {
      services.generations.metrics?.journalErrors.inc();
      context.logger.warn('could not checkpoint the reply to its journal; a crash now would lose more of it', {
        generation_id: generation.id,
        error,
      });
    },
  );
  generation.push({
    type: 'start',
    generation_id: generation.id,
    conversation_file: plan.conversationFile,
    parent_id: plan.parentId,
    node_id: plan.nodeId,
    hooks: plan.hooks.labels,
  });

  const result: GenerationResult = { finishReason: 'stop', usage: null, responseTime: 0, partial: false, provider: plan.provider };
  let finishReason: string | undefined;
  const usage = new UsageTotal();
  let upstream = plan.upstream;
  try {
    let messages = plan.requestMessages;
    for (let step = 1; ; step++) {
      const relayed = await relayStep(upstream, step, generation, plan, journal, result, startedAt);
      usage.add(relayed.usage);
      finishReason = relayed.finishReason;
      if (result.error || !plan.tools || relayed.calls.length === 0 || generation.signal.aborted) break;
      messages = [...messages, ...(await runToolCalls(relayed, { generation, journal, tools: plan.tools, context }))];
      if (generation.signal.aborted) break;
      if (step >= plan.tools.maxSteps) {
        finishReason = 'max_steps';
        break;
      }
      const next = { type: 'step' as const, step: step + 1 };
      generation.push(next);
      await journal.writeEvent(next).catch(() => undefined);
      upstream = await plan.nextUpstream(messages);
    }
  } catch (error) {
    const callError = toCallError(error);
    // A hook failed mid-stream: stop the provider's reply too (a provider failure has ended it already).
    if (callError.code === 'HOOK_FAILED') await upstream.return?.(undefined).catch(() => undefined);
    result.error = { code: callError.code, message: callError.code === 'INTERNAL' ? 'the provider stream failed' : callError.message };
    if (callError.code === 'INTERNAL') context.logger.error('provider stream failed', { generation_id: generation.id, error });
  }
  result.usage = usage.counts;
  if (usage.cost !== undefined) result.cost = usage.cost;
  result.responseTime = (performance.now() - startedAt) / 1000;

  const abortReason = generation.abortReason;
  if (abortReason !== undefined) {
    // An abort surfaces from the provider as ABORTED or as an early end; either way this is the real reason.
    if (abortReason === 'user') delete result.error;
    else result.error = { code: 'ABORTED', message: abortMessages[abortReason] };
  }
  result.finishReason = abortReason !== undefined ? 'aborted' : result.error ? 'error' : (finishReason ?? 'stop');
  result.partial = abortReason !== undefined || result.error !== undefined;
  generation.push({ type: 'finish', finish_reason: result.finishReason });
  if (result.usage) generation.push({ type: 'usage', usage: result.usage, ...(result.cost === undefined ? {} : { cost: result.cost }) });

  await finishAndSave(generation, plan, result, journal, context);
}

/**
 * Relays one model call into the generation: text (through plugins' transformChunk hooks) and reasoning as they
 * come, checkpointed to the journal; the tool calls, reasoning blocks, finish reason and usage gathered for the loop.
 */
async function relayStep(
  upstream: AsyncIterator<UpstreamEvent>,
  step: number,
  generation: Generation,
  plan: GenerationPlan,
  journal: GenerationJournal,
  result: GenerationResult,
  startedAt: number,
): Promise<ModelStep & { finishReason: string | undefined; usage: UsageEvent | undefined }> {
  const relayed: ModelStep & { finishReason: string | undefined; usage: UsageEvent | undefined } = {
    step,
    text: '',
    reasoning: '',
    reasoningBlocks: [],
    calls: [],
    finishReason: undefined,
    usage: undefined,
  };
  for (let next = await upstream.next(); !next.done; next = await upstream.next()) {
    const event = next.value;
    if (event.type === 'chunk') {
      // Changed (or dropped) before clients see it and before it is journalled: what is saved is what was seen.
      const content = plan.hooks.transformsChunks ? await plan.hooks.transformChunk(event.content, generation.id) : event.content;
      if (content === '') continue;
      result.timeToFirstToken ??= (performance.now() - startedAt) / 1000;
      journal.write(content);
      generation.push({ type: 'chunk', content });
      // The first token is what a person waits for. Its way to the client's socket (the viewer's follow, the
      // registry, the SSE body) is a chain of microtasks; relaying the rest of a burst that came with it is
      // another, and the two would interleave. One macrotask here lets the first frame be written before the
      // rest is relayed: measured, about 1 ms of first-chunk latency for a 16-chunk burst (bench/PROFILE.md).
      if (step === 1 && relayed.text === content) await new Promise((resolve) => setImmediate(resolve));
    } else if (event.type === 'reasoning') {
      if (event.content === '') continue;
      journal.writeReasoning(event.content);
      generation.push(event);
    } else if (event.type === 'tool_call') {
      relayed.calls.push(event.call);
    } else if (event.type === 'reasoning_block') {
      relayed.reasoningBlocks.push(event.block);
    } else if (event.type === 'finish') {
      relayed.finishReason = event.finish_reason;
    } else if (event.type === 'usage') {
      relayed.usage = event;
    } else if (event.type === 'error') {
      result.error = { code: event.code, message: event.message };
    } else if (event.type === 'end' && event.model_used !== undefined) {
      result.modelUsed = event.model_used;
    }
  }
  // The step's text and reasoning as pushed: the generation's fold holds them already (this step's only, since
  // `step` resets them, and no tool_call of this step is logged yet); a second copy per stream is not kept.
  relayed.text = generation.content;
  relayed.reasoning = generation.reasoning;
  return relayed;
}

type UsageEvent = Extract<UpstreamEvent, { type: 'usage' }>;

/** The usage of every model call of a reply, added up (a tool loop makes several); null when no call reported any. */
class UsageTotal {
  counts: UsageCounts | null = null;
  cost: number | undefined;

  add(event: UsageEvent | undefined): void {
    if (!event) return;
    if (event.cost !== undefined) this.cost = (this.cost ?? 0) + event.cost;
    if (this.counts === null) {
      this.counts = { ...event.usage };
      return;
    }
    const total: Record<string, number> = { ...this.counts };
    for (const [key, value] of Object.entries(event.usage)) if (typeof value === 'number') total[key] = (total[key] ?? 0) + value;
    this.counts = total as unknown as UsageCounts;
  }
}

async function finishAndSave(
  generation: Generation,
  plan: GenerationPlan,
  result: GenerationResult,
  journal: GenerationJournal,
  context: StepContext,
): Promise<void> {
  const stopped = generation.abortReason !== undefined;
  const content = generation.content === '' ? '' : await afterLLMCall(generation, plan, result);
  // Reasoning alone (stopped before the answer began) is kept too: it was paid for and shown; so are tool calls.
  if (generation.content === '' && generation.reasoning === '' && generation.toolSteps.length === 0) {
    generation.outcome = stopped ? 'aborted' : result.error ? 'failed' : 'empty';
    await journal.close({ remove: true });
  } else {
    const saved = await saveReply(generation, plan, result, context, content);
    // Keep the journal when even the recovery file failed: start-up recovery will try again.
    await journal.close({ remove: saved.kept });
    generation.outcome = stopped ? 'aborted' : result.error ? 'failed' : 'completed';
    if (saved.event) generation.push(saved.event);
    if (saved.error) result.error = saved.error;
    // Before `end`, so a client that re-reads the conversation on `end` sees what the hooks wrote. Not while the
    // server shuts down: side effects would outlive the store they write to.
    if (saved.event && generation.savedNodeId !== undefined && generation.abortReason !== 'shutdown') {
      await plan.hooks.afterSave({
        node_id: generation.savedNodeId,
        conversation_file: plan.conversationFile,
        generation_id: generation.id,
        config_name: plan.configFile,
      });
    }
  }
  generation.result = result;
  if (result.error)
    generation.push({ type: 'error', ...result.error, ...(result.recoveryFile ? { recovery_file: result.recoveryFile } : {}) });
  generation.push({ type: 'end' });
}

/** The final content: the streamed text as plugins' afterLLMCall hooks change it; a failing hook leaves it, marked partial. */
async function afterLLMCall(generation: Generation, plan: GenerationPlan, result: GenerationResult): Promise<string> {
  try {
    return await plan.hooks.afterLLMCall({
      content: generation.content,
      finish_reason: result.finishReason,
      usage: result.usage,
      generation_id: generation.id,
      conversation_file: plan.conversationFile,
    });
  } catch (error) {
    const callError = toCallError(error);
    result.error = { code: callError.code, message: callError.message };
    result.partial = true;
    return generation.content;
  }
}
