/**
 * @module Works out what a completion will do before anything is paid for: which node it replies under,
 * whether it fills an empty assistant node, the messages, and the LLM config. Every problem here is a
 * normal error, raised before a stream opens.
 */
import { randomBytes } from 'node:crypto';
import { CallError } from '../../src/registry/call-error.js';
import type { StepContext } from '../../src/registry/define-step.js';
import type { ConversationDoc } from '../../src/store/conversation-store.js';
import type { ChatMessage } from '../../src/llm/provider.js';
import type { CompletionInput } from './completion-input.js';

export interface PreparedCompletion {
  conversationFile: string;
  parentId: string;
  /** The node the reply will be saved as: a new id, or the empty assistant node being filled. */
  nodeId: string;
  fillTarget: boolean;
  messages: ChatMessage[];
  configFile: string;
}

export async function prepareCompletion(input: CompletionInput, context: StepContext): Promise<PreparedCompletion> {
  const { store } = context.services;
  const conversationFile = await store.resolve(input.conversation_file);
  const { doc } = await context.call<{ doc: ConversationDoc }>('modules/chat_branches/get', { file: conversationFile });
  const { parentId, targetId } = await chooseParent(input, doc, conversationFile, context);

  const { messages } = await context.call<{ messages: ChatMessage[] }>('modules/chat_branches/openai_messages', {
    file: conversationFile,
    node_id: parentId,
  });
  if (messages.length === 0) {
    throw new CallError('BAD_INPUT', `nothing to send: the path to node ${parentId} in ${conversationFile} has no messages with content`);
  }
  return {
    conversationFile,
    parentId,
    nodeId: targetId ?? newNodeId(),
    fillTarget: targetId !== undefined,
    messages,
    configFile: await chooseConfig(input, conversationFile, context),
  };
}

async function chooseParent(
  input: CompletionInput,
  doc: ConversationDoc,
  file: string,
  context: StepContext,
): Promise<{ parentId: string; targetId?: string }> {
  if (input.target_node_id !== undefined) {
    return { parentId: checkFillable(doc, input.target_node_id, file), targetId: input.target_node_id };
  }
  if (input.parent_node_id !== undefined) {
    if (!(input.parent_node_id in doc.nodes)) {
      throw new CallError('NOT_FOUND', `no node ${input.parent_node_id} in ${file} (parent_node_id)`);
    }
    return { parentId: input.parent_node_id };
  }
  const leaf = await context.call<{ node_id: string; role: string; content: string }>(
    'modules/chat_branches/get_latest_message',
    { file },
  );
  const leafNode = doc.nodes[leaf.node_id];
  if (leafNode?.role === 'assistant' && leafNode.content.trim() === '' && leafNode.pid !== null) {
    return { parentId: leafNode.pid, targetId: leaf.node_id };
  }
  return { parentId: leaf.node_id };
}

function checkFillable(doc: ConversationDoc, targetId: string, file: string): string {
  const target = doc.nodes[targetId];
  if (!target) throw new CallError('NOT_FOUND', `no node ${targetId} in ${file} (target_node_id)`);
  if (target.role !== 'assistant' || target.content.trim() !== '') {
    throw new CallError('CONFLICT', `node ${targetId} in ${file} is not an empty assistant node, so it cannot be filled`);
  }
  if (target.pid === null) throw new CallError('BAD_INPUT', `node ${targetId} in ${file} is a root; a reply needs a parent`);
  return target.pid;
}

async function chooseConfig(input: CompletionInput, conversationFile: string, context: StepContext): Promise<string> {
  if (input.llm_config_file) return input.llm_config_file;
  const settings = await context.services.store.readSettings(conversationFile);
  if (typeof settings.llm_config === 'string' && settings.llm_config !== '') return settings.llm_config;
  const settingsFile = conversationFile.replace(/[^/]+$/, 'settings.json');
  throw new CallError(
    'BAD_INPUT',
    `no LLM config: pass llm_config_file, or set "llm_config" in ${settingsFile} (e.g. "data/llm_configs/mock.json")`,
  );
}

/** SmartTavern's `n_ass<ms>`, plus a random suffix: two replies in one millisecond, or from two processes, must not collide. */
function newNodeId(): string {
  return `n_ass${Date.now()}_${randomBytes(3).toString('hex')}`;
}
