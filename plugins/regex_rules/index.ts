/**
 * @module The regex_rules plugin: SmartTavern's prompt post-processing rules. Find/replace rules from
 * data/regex_rules.json run on the outgoing prompt (beforeLLMCall), on the finished reply (afterLLMCall), or both.
 * The reply is changed whole, not chunk by chunk, so a pattern that spans two chunks still matches; clients see the
 * streamed text, and the `saved` event's `content` carries the text as saved.
 */
import { definePlugin, defineStep } from '../../src/index.js';
import { applyRules, type Direction } from './apply-rules.js';
import { loadRules, rulesFile } from './rules-file.js';

interface ApplyInput {
  text: string;
  direction: Direction;
  role: 'system' | 'user' | 'assistant';
}

const apply = defineStep<ApplyInput, { success: true; text: string; rules: number }>({
  path: 'plugins/regex_rules/apply',
  summary: `Apply the rules of ${rulesFile} to a text, as a prompt message or as a reply: try rules before a conversation meets them.`,
  input: {
    type: 'object',
    properties: {
      text: { type: 'string' },
      direction: { enum: ['prompt', 'reply'], default: 'reply' },
      role: {
        enum: ['system', 'user', 'assistant'],
        default: 'user',
        description: 'For direction "prompt": the message role rules filter on',
      },
    },
    required: ['text'],
    additionalProperties: false,
  },
  output: {
    type: 'object',
    properties: {
      success: { const: true },
      text: { type: 'string' },
      rules: { type: 'integer', description: 'Enabled rules in the file' },
    },
    required: ['success', 'text', 'rules'],
    additionalProperties: false,
  },
  async run(input, context) {
    const rules = await loadRules(context.services.root);
    return { success: true, text: applyRules(input.text, rules, input.direction, input.role), rules: rules.length };
  },
});

export default definePlugin({
  name: 'regex_rules',
  description: `Find/replace rules from ${rulesFile} on the prompt and the reply.`,
  steps: [apply],
  hooks: {
    async beforeLLMCall({ messages }, { root }) {
      const rules = await loadRules(root);
      if (!rules.some((rule) => rule.applyTo !== 'reply')) return;
      return { messages: messages.map((message) => ({ ...message, content: applyRules(message.content, rules, 'prompt', message.role) })) };
    },
    async afterLLMCall({ content }, { root }) {
      const rules = await loadRules(root);
      if (!rules.some((rule) => rule.applyTo !== 'prompt')) return;
      return { content: applyRules(content, rules, 'reply') };
    },
  },
});
