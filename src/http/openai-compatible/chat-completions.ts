/**
 * @module `POST /v1/chat/completions`. With X-Branchflow-Conversation the last user message is appended to the
 * conversation and the reply generated and saved by `workflow/chat_completion/send` (the tree's own history is
 * what the model sees); without it the request's messages are relayed to `modules/llm_api/chat` or `chat_stream`
 * and nothing is saved. Either way `model` names an LLM config.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import { CallError, callErrorCodes, type CallErrorCode } from '../../lib/call-error.js';
import type { Logger } from '../../lib/logger.js';
import type { Registry } from '../../registry/registry.js';
import type { AppEnv } from '../app-env.js';
import { readJsonBody } from '../json-body.js';
import { lastUserMessage, readChatRequest, type ChatCompletionRequest } from './chat-request.js';
import { chunkStreamResponse } from './chunk-stream-response.js';
import { chatCompletion, type CompletionIdentity, type UsageCounts } from './completion-shapes.js';
import { conversationTargetOf, type ConversationTarget } from './conversation-target.js';
import { findConfig, isUsable, listConfigs, modelIdOf, type ConfigSummary } from './model-list.js';
import { openAiErrorResponse } from './openai-error.js';
import { collectReply, createChunkTranslator, type CollectedReply, type StepEvent } from './step-events.js';

export interface ChatCompletionsOptions {
  registry: Registry;
  logger: Logger;
  pingIntervalMs: number;
}

/** The headers that tie an answer to the tree; CORS exposes them so a browser client can read them too. */
export const replyHeaders = {
  conversation: 'X-Branchflow-Conversation',
  nodeId: 'X-Branchflow-Node-Id',
  parentId: 'X-Branchflow-Parent-Id',
  generationId: 'X-Branchflow-Generation-Id',
} as const;

export function createChatCompletionsHandler(options: ChatCompletionsOptions) {
  const { registry, logger } = options;
  return async function chatCompletions(context: Context<AppEnv>): Promise<Response> {
    const request = readChatRequest(await readJsonBody(context.req.raw));
    const target = conversationTargetOf(context.req.raw.headers, context.req.param('conversation'));
    const signal = context.req.raw.signal;
    // Checked before anything runs, so a conversation never gets a user message that no model will answer.
    const config = usableConfig(findConfig(await listConfigs(registry, signal), request.model));
    const relayInput = { messages: request.messages, config_file: config.file };

    if (target === undefined && !request.stream) {
      const output = await registry.call<{ content: string; finish_reason: string; usage: UsageCounts | null }>(
        'modules/llm_api/chat',
        relayInput,
        { signal },
      );
      const reply = { content: output.content, finishReason: output.finish_reason, usage: output.usage };
      return context.json(chatCompletion(identityOf(request), reply));
    }
    // The relay streams chat_stream's events; a conversation streams send's, which speak the same protocol.
    const events =
      target === undefined
        ? registry.stream<StepEvent>('modules/llm_api/chat_stream', relayInput, { signal })
        : registry.stream<StepEvent>('workflow/chat_completion/send', sendInput(request, target, config), { signal });

    if (!request.stream) {
      const reply = await collectReply(events, (started) => setReplyHeaders(context, target, started));
      return context.json(chatCompletion(identityOf(request, reply.generationId), reply));
    }

    // The first event (`start`) before any header: a missing conversation or a refused config is still a plain
    // error with its status, and the start event carries the ids the headers announce.
    const iterator = events[Symbol.asyncIterator]();
    let first: IteratorResult<StepEvent>;
    try {
      first = await iterator.next();
    } catch (error) {
      return openAiErrorResponse(context, error, logger);
    }
    const started = first.done ? {} : startIds(first.value);
    setReplyHeaders(context, target, started);
    const translate = createChunkTranslator(identityOf(request, started.generationId), request.includeUsage);
    return chunkStreamResponse(context, iterator, first, { pingIntervalMs: options.pingIntervalMs, logger, translate });
  };
}

function usableConfig(config: ConfigSummary): ConfigSummary {
  if (isUsable(config)) return config;
  const known = (callErrorCodes as readonly string[]).includes(config.error?.code ?? '');
  const code = known ? (config.error!.code as CallErrorCode) : 'BAD_INPUT';
  const why = config.error?.message ?? 'its api_key does not resolve to a value (is the environment variable set?)';
  throw new CallError(code, `the model "${modelIdOf(config.file)}" (${config.file}) cannot be used as it stands: ${why}`, {
    details: { openai: { param: 'model', code: 'model_not_usable' } },
  });
}

function sendInput(request: ChatCompletionRequest, target: ConversationTarget, config: ConfigSummary): Record<string, unknown> {
  return {
    conversation_file: target.conversationFile,
    content: lastUserMessage(request),
    llm_config_file: config.file,
    ...(target.parentNodeId === undefined ? {} : { parent_node_id: target.parentNodeId }),
  };
}

/** A conversation's answer is named after its generation, so the id leads back to the node's meta.generation_id. */
function identityOf(request: ChatCompletionRequest, generationId?: string): CompletionIdentity {
  const suffix = generationId ?? randomUUID().replaceAll('-', '');
  return { id: `chatcmpl-${suffix}`, created: Math.floor(Date.now() / 1000), model: request.model };
}

function startIds(event: StepEvent): Partial<CollectedReply> {
  if (event.type !== 'start') return {};
  return {
    ...(event.generation_id === undefined ? {} : { generationId: event.generation_id }),
    ...(event.node_id === undefined ? {} : { nodeId: event.node_id }),
    ...(event.parent_id === undefined ? {} : { parentId: event.parent_id }),
  };
}

function setReplyHeaders(context: Context<AppEnv>, target: ConversationTarget | undefined, started: Partial<CollectedReply>): void {
  if (target === undefined) return;
  context.header(replyHeaders.conversation, target.conversationFile);
  if (started.nodeId !== undefined) context.header(replyHeaders.nodeId, started.nodeId);
  if (started.parentId !== undefined) context.header(replyHeaders.parentId, started.parentId);
  if (started.generationId !== undefined) context.header(replyHeaders.generationId, started.generationId);
}
