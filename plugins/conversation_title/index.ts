/**
 * @module The conversation_title plugin: a step that asks the conversation's LLM for a short title and stores it as
 * `title` at the top level of the conversation file (every other field kept), and an afterSave hook that titles a
 * conversation that has none once a reply is saved. Works offline with the mock provider.
 */
import { CallError, definePlugin, defineStep, type ChatMessage, type ConversationDoc } from '../../src/index.js';
import { cleanTitle, titleInstruction, transcript } from './title-text.js';

interface GenerateInput {
  conversation_file: string;
  llm_config_file?: string;
  overwrite: boolean;
}

interface GenerateOutput {
  success: true;
  conversation_file: string;
  title: string;
  /** False when the conversation already had a title and `overwrite` was false. */
  generated: boolean;
}

const generate = defineStep<GenerateInput, GenerateOutput>({
  path: 'plugins/conversation_title/generate',
  summary: "Ask the conversation's LLM for a short title and store it as `title` in the conversation file.",
  description: "The config is llm_config_file, else settings.json's llm_config beside the conversation, else the default config.",
  input: {
    type: 'object',
    properties: {
      conversation_file: {
        type: 'string',
        minLength: 1,
        description: 'Root-relative path, e.g. data/conversations/branch_demo/conversation.json',
      },
      llm_config_file: { type: 'string', description: 'A config under data/llm_configs/' },
      overwrite: { type: 'boolean', default: true, description: 'Replace a title the conversation already has' },
    },
    required: ['conversation_file'],
    additionalProperties: false,
  },
  output: {
    type: 'object',
    properties: {
      success: { const: true },
      conversation_file: { type: 'string' },
      title: { type: 'string' },
      generated: { type: 'boolean' },
    },
    required: ['success', 'conversation_file', 'title', 'generated'],
    additionalProperties: false,
  },
  async run(input, context) {
    const { store } = context.services;
    const file = input.conversation_file;
    const { doc } = await context.call<{ doc: ConversationDoc }>('modules/chat_branches/get', { file });
    if (!input.overwrite && hasTitle(doc))
      return { success: true, conversation_file: file, title: doc['title'] as string, generated: false };
    const { messages } = await context.call<{ messages: ChatMessage[] }>('modules/chat_branches/openai_messages', { file });
    const text = transcript(messages);
    if (text === '') throw new CallError('BAD_INPUT', `${file} has no messages to title yet`);
    const settings = input.llm_config_file === undefined ? await store.readSettings(file) : {};
    const configFile = input.llm_config_file ?? (typeof settings.llm_config === 'string' ? settings.llm_config : undefined);
    const reply = await context.call<{ content: string }>('modules/llm_api/chat', {
      messages: [
        { role: 'system', content: titleInstruction },
        { role: 'user', content: text },
      ],
      ...(configFile === undefined ? {} : { config_file: configFile }),
    });
    const title = cleanTitle(reply.content);
    if (title === '') throw new CallError('UPSTREAM_FAILED', `the LLM answered no title for ${file}`);
    // Re-checked under the file's lock: a title written meanwhile (by hand, or by another reply's hook) wins.
    const { result } = await store.update(file, (fresh) => {
      if (!input.overwrite && hasTitle(fresh)) return { title: fresh['title'] as string, generated: false };
      fresh['title'] = title;
      return { title, generated: true };
    });
    return { success: true, conversation_file: file, ...result };
  },
});

function hasTitle(doc: ConversationDoc): boolean {
  return typeof doc['title'] === 'string' && doc['title'].trim() !== '';
}

export default definePlugin({
  name: 'conversation_title',
  description: 'Titles conversations: a step to ask for one, and a hook that titles a conversation with none after a reply.',
  steps: [generate],
  // A title is one short LLM call; give a slow provider more than the default 5 s.
  hookTimeoutMs: 20_000,
  hooks: {
    async afterSave({ conversation_file, config_name }, context) {
      const { doc } = await context.call<{ doc: ConversationDoc }>('modules/chat_branches/get', { file: conversation_file });
      if (hasTitle(doc)) return;
      await context.call('plugins/conversation_title/generate', { conversation_file, llm_config_file: config_name, overwrite: false });
    },
  },
});
