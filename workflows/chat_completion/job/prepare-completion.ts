/**
 * @module Works out what a completion will do before anything is paid for: which node it replies under,
 * whether it fills an empty assistant node, the messages, and the LLM config. Every problem here is a
 * normal error, raised before a stream opens.
 */
import { randomBytes } from 'node:crypto';
import { CallError } from '../../../src/lib/call-error.js';
import type { StepContext } from '../../../src/registry/define-step.js';
import {
  imageAttachments,
  latestMessage,
  openaiMessages,
  type ConversationDoc,
  type ConversationSettings,
  type ProviderMessage,
} from '../../../src/store/index.js';
import type { ChatMessage } from '../../../src/llm/provider.js';
import type { CompletionInput } from '../completion-input.js';

export interface PreparedCompletion {
  conversationFile: string;
  parentId: string;
  /** The node the reply will be saved as: a new id, or the empty assistant node being filled. */
  nodeId: string;
  fillTarget: boolean;
  messages: ChatMessage[];
  configFile: string;
  /** The conversation as read for this completion (what beforeLLMCall hooks see). */
  conversation: ConversationDoc;
  /** settings.json beside it, and its root-relative path (it names tools too). */
  settings: ConversationSettings;
  settingsFile: string;
}

export async function prepareCompletion(input: CompletionInput, context: StepContext): Promise<PreparedCompletion> {
  // settings.json is read beside the doc, not after it: both are trips to the disk before the provider is called.
  // With a config named by the call, a broken settings.json only loses its tool settings (the reply still works).
  const settingsRead = context.services.store.readSettings(input.conversation_file).catch((error: unknown): ConversationSettings => {
    if (input.llm_config_file) return {};
    throw error;
  });
  settingsRead.catch(() => undefined);
  // One read of the tree serves everything below: the messages and the latest node are pure views of it,
  // the same functions the openai_messages and get_latest_message steps answer with.
  const { file: conversationFile, doc } = await context.call<{ file: string; doc: ConversationDoc }>('modules/chat_branches/get', {
    file: input.conversation_file,
  });
  const { parentId, targetId } = chooseParent(input, doc, conversationFile);
  const { messages: pathMessages, path } = openaiMessages(doc, conversationFile, parentId);
  const messages = await withImageData(pathMessages, path, doc, conversationFile, context);
  if (messages.length === 0) {
    throw new CallError('BAD_INPUT', `nothing to send: the path to node ${parentId} in ${conversationFile} has no messages with content`);
  }
  const settings = await settingsRead;
  return {
    conversationFile,
    parentId,
    nodeId: targetId ?? newNodeId(),
    fillTarget: targetId !== undefined,
    messages,
    configFile: input.llm_config_file || configFromSettings(settings, conversationFile),
    conversation: doc,
    settings,
    settingsFile: settingsFileOf(conversationFile),
  };
}

/**
 * The path's image attachments read from their files (base64 for the provider call). A file missing (deleted or
 * renamed by hand) is NOT_FOUND naming the file and the node that refers to it, before anything is sent.
 */
async function withImageData(
  messages: ProviderMessage[],
  path: readonly string[],
  doc: ConversationDoc,
  conversationFile: string,
  context: StepContext,
): Promise<ChatMessage[]> {
  const referrers = new Map<string, string>();
  for (const id of path)
    for (const image of imageAttachments(doc.nodes[id]!)) if (!referrers.has(image.file)) referrers.set(image.file, id);
  const data = new Map<string, string>();
  for (const [file, nodeId] of referrers) {
    const bytes = await context.services.store.readAttachment(conversationFile, file, `node ${nodeId} of ${conversationFile}`);
    data.set(file, bytes.toString('base64'));
  }
  return messages.map(({ images, ...message }) =>
    images === undefined ? message : { ...message, images: images.map((image) => ({ mime: image.mime, data: data.get(image.file)! })) },
  );
}

function chooseParent(input: CompletionInput, doc: ConversationDoc, file: string): { parentId: string; targetId?: string } {
  if (input.target_node_id !== undefined) {
    return { parentId: checkFillable(doc, input.target_node_id, file), targetId: input.target_node_id };
  }
  if (input.parent_node_id !== undefined) {
    if (!(input.parent_node_id in doc.nodes)) {
      throw new CallError('NOT_FOUND', `no node ${input.parent_node_id} in ${file} (parent_node_id)`);
    }
    return { parentId: input.parent_node_id };
  }
  const leaf = latestMessage(doc, file);
  const leafNode = doc.nodes[leaf.node_id];
  if (leafNode?.role === 'assistant' && isPlaceholder(leafNode) && leafNode.pid !== null) {
    return { parentId: leafNode.pid, targetId: leaf.node_id };
  }
  return { parentId: leaf.node_id };
}

function checkFillable(doc: ConversationDoc, targetId: string, file: string): string {
  const target = doc.nodes[targetId];
  if (!target) throw new CallError('NOT_FOUND', `no node ${targetId} in ${file} (target_node_id)`);
  if (target.role !== 'assistant' || !isPlaceholder(target)) {
    throw new CallError('CONFLICT', `node ${targetId} in ${file} is not an empty assistant node, so it cannot be filled`);
  }
  if (target.pid === null) throw new CallError('BAD_INPUT', `node ${targetId} in ${file} is a root; a reply needs a parent`);
  return target.pid;
}

/** An empty assistant node waiting for its reply; one that holds tool steps is a turn (cut short), not a placeholder. */
function isPlaceholder(node: ConversationDoc['nodes'][string]): boolean {
  return node.content.trim() === '' && node['tool_steps'] === undefined;
}

function configFromSettings(settings: ConversationSettings, conversationFile: string): string {
  if (typeof settings.llm_config === 'string' && settings.llm_config !== '') return settings.llm_config;
  const settingsFile = settingsFileOf(conversationFile);
  throw new CallError(
    'BAD_INPUT',
    `no LLM config: pass llm_config_file, or set "llm_config" in ${settingsFile} (e.g. "data/llm_configs/mock.json")`,
  );
}

function settingsFileOf(conversationFile: string): string {
  return conversationFile.replace(/[^/]+$/, 'settings.json');
}

/** SmartTavern's `n_ass<ms>`, plus a random suffix: two replies in one millisecond, or from two processes, must not collide. */
function newNodeId(): string {
  return `n_ass${Date.now()}_${randomBytes(3).toString('hex')}`;
}
