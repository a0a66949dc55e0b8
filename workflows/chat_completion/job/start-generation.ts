/**
 * @module Starts a generation (or attaches to the one a retried `request_id` already started) and follows
 * its log as one viewer. The provider stream is opened before the generation is announced, so a bad
 * config is an ordinary error, not a stream that dies at once.
 */
import { Generation } from '../../../src/generation/generation.js';
import type { GenerationView } from '../../../src/generation/generation-log.js';
import type { GenerationEvent } from '../../../src/generation/generation-events.js';
import { GenerationManager } from '../../../src/generation/generation-manager.js';
import { CallError } from '../../../src/lib/call-error.js';
import type { StepContext } from '../../../src/registry/define-step.js';
import { withEventId } from '../../../src/registry/event-id.js';
import type { CompletionInput } from '../completion-input.js';
import { CompletionHooks } from './completion-hooks.js';
import { prepareCompletion } from './prepare-completion.js';
import type { GenerationPlan, UpstreamEvent } from './generation-plan.js';
import type { ChatMessage, ToolChoice } from '../../../src/llm/provider.js';
import { providerToolName } from '../../../src/tools/tool-names.js';
import { ToolSet, type ToolSettings } from '../tools/tool-set.js';
import type { PreparedCompletion } from './prepare-completion.js';
import { runGeneration } from './run-generation.js';

/** The generation started, or the one a retried `request_id` started (on another server: a view of its shared log). */
export async function startGeneration(input: CompletionInput, context: StepContext): Promise<Generation | GenerationView> {
  const manager = context.services.generations;
  const existing = input.request_id === undefined ? undefined : await manager.findByRequestIdAnywhere(input.request_id);
  if (existing) return existing;

  const prepared = await prepareCompletion(input, context);
  const tools = await openToolSet(input, prepared, context);
  // Plugins' beforeLLMCall hooks run before anything is paid for: a failure is an ordinary error, before any event.
  const hooks = await CompletionHooks.open(prepared.conversationFile, context);
  const request = await hooks.beforeLLMCall({ ...prepared, messages: withWireToolNames(prepared.messages, tools) });
  const generation = new Generation({
    id: GenerationManager.newId(),
    conversationFile: prepared.conversationFile,
    parentId: prepared.parentId,
    nodeId: prepared.nodeId,
    ...(input.request_id === undefined ? {} : { requestId: input.request_id }),
  });
  // What the next model calls need, taken out: the closures below live as long as the generation, and `request`
  // and `prepared` hold the whole prompt and the conversation as read.
  const { configFile } = prepared;
  const { params } = request;
  const openUpstream = async (messages: ChatMessage[], toolChoice: ToolChoice | undefined): Promise<AsyncIterator<UpstreamEvent>> => {
    const events = context.stream<UpstreamEvent>(
      'modules/llm_api/chat_stream',
      {
        messages,
        config_file: configFile,
        ...(Object.keys(params).length === 0 ? {} : { params }),
        ...(tools === undefined ? {} : { tools: tools.specs, ...(toolChoice === undefined ? {} : { tool_choice: toolChoice }) }),
      },
      { signal: generation.signal },
    );
    const upstream = events[Symbol.asyncIterator]();
    const first = await upstream.next();
    if (first.done || first.value.type !== 'start') {
      throw new CallError('INTERNAL', 'modules/llm_api/chat_stream did not begin with a start event');
    }
    starts.push(first.value);
    return upstream;
  };
  const starts: Array<Extract<UpstreamEvent, { type: 'start' }>> = [];
  const upstream = await openUpstream(request.messages, tools?.toolChoice);

  // A retry with the same request_id may have started the same generation while this one was preparing, here or
  // on another server: the claim decides which one runs.
  const raced = input.request_id === undefined ? undefined : await manager.claimRequest(input.request_id, generation.id);
  if (raced) {
    await upstream.return?.();
    return raced;
  }
  const plan: GenerationPlan = {
    conversationFile: prepared.conversationFile,
    parentId: prepared.parentId,
    nodeId: prepared.nodeId,
    fillTarget: prepared.fillTarget,
    configFile,
    settingsFile: prepared.settingsFile,
    includeDoc: input.include_doc,
    provider: starts[0]!.provider,
    model: starts[0]!.model,
    upstream,
    // Only a tool loop calls the model again with them; otherwise the open stream need not keep the prompt.
    requestMessages: tools === undefined ? [] : request.messages,
    tools,
    // A forced tool_choice holds for the first call only: forcing it again after the results would loop to max_steps.
    nextUpstream: (messages) => openUpstream(messages, undefined),
    hooks,
  };
  manager.start(generation, (started) => runGeneration(started, plan, context), {
    fillTarget: prepared.fillTarget,
    provider: plan.provider,
    model: plan.model,
  });
  return generation;
}

/** The tools this completion offers: the request's, else settings.json's, else the LLM config's (422 for a name that names none). */
async function openToolSet(input: CompletionInput, prepared: PreparedCompletion, context: StepContext): Promise<ToolSet | undefined> {
  const config = await context.services.llm.loadConfig(prepared.configFile);
  return ToolSet.open(
    {
      ...(input.tools === undefined ? {} : { tools: input.tools }),
      ...(input.tool_choice === undefined ? {} : { tool_choice: input.tool_choice }),
      ...(input.max_steps === undefined ? {} : { max_steps: input.max_steps }),
    },
    [
      { where: prepared.settingsFile, settings: prepared.settings as ToolSettings },
      { where: config.file ?? prepared.configFile, settings: config.config as ToolSettings },
    ],
    context,
  );
}

/** Stored turns name tools the engine's way; providers get the provider-safe names. */
function withWireToolNames(messages: ChatMessage[], tools: ToolSet | undefined): ChatMessage[] {
  const wire = (name: string): string => (tools ? tools.wireName(name) : providerToolName(name));
  return messages.map((message) => {
    if (message.tool_calls) return { ...message, tool_calls: message.tool_calls.map((call) => ({ ...call, name: wire(call.name) })) };
    if (message.tool_name !== undefined) return { ...message, tool_name: wire(message.tool_name) };
    return message;
  });
}

/**
 * The generation's events after `afterSeq`, each tagged with its SSE id `<generation_id>:<seq>`. When the
 * viewer goes away the job runs on, unless `onDisconnect` is "abort".
 */
export async function* viewGeneration(
  generation: GenerationView,
  afterSeq: number,
  context: StepContext,
  onDisconnect: 'continue' | 'abort' = 'continue',
): AsyncGenerator<GenerationEvent, void, undefined> {
  try {
    for await (const { seq, event } of generation.follow(afterSeq, context.signal)) {
      yield withEventId({ ...event }, `${generation.id}:${seq}`);
    }
  } finally {
    // Only the server running it can stop it this way; a viewer elsewhere leaving never stops it.
    if (context.signal.aborted && onDisconnect === 'abort' && generation instanceof Generation && generation.status === 'running') {
      generation.abort('disconnect');
    }
  }
}

/** Parses a `Last-Event-ID` of the form `<generation_id>:<seq>`. */
export function parseEventId(eventId: string): { generationId: string; seq: number } {
  const separator = eventId.lastIndexOf(':');
  const seq = Number(eventId.slice(separator + 1));
  if (separator <= 0 || !Number.isInteger(seq) || seq < 0) {
    throw new CallError('BAD_INPUT', `last_event_id "${eventId}" is not of the form <generation_id>:<seq>`);
  }
  return { generationId: eventId.slice(0, separator), seq };
}
