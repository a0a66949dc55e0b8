/** @module `modules/llm_api/list_configs`: every config under data/llm_configs/, whether it is usable, never its key. */
import { defineStep } from '../../registry/define-step.js';
import type { ConfigSummary } from '../../llm/llm-service.js';

export interface ListConfigsOutput {
  success: true;
  configs: ConfigSummary[];
}

export const listConfigs = defineStep<Record<string, never>, ListConfigsOutput>({
  path: 'modules/llm_api/list_configs',
  summary: 'List the LLM configs: name, provider, model, whether the key resolves, and what is wrong if anything.',
  input: { type: 'object', properties: {}, additionalProperties: false },
  output: {
    type: 'object',
    properties: {
      success: { const: true },
      configs: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            file: { type: 'string' },
            name: { type: 'string' },
            provider: { type: ['string', 'null'] },
            model: { type: ['string', 'null'] },
            key_resolves: { type: 'boolean' },
            error: {
              type: 'object',
              properties: { code: { type: 'string' }, message: { type: 'string' } },
              required: ['code', 'message'],
              additionalProperties: false,
            },
            unknown_fields: { type: 'array', items: { type: 'string' } },
          },
          required: ['file', 'name', 'provider', 'model', 'key_resolves'],
          additionalProperties: false,
        },
      },
    },
    required: ['success', 'configs'],
    additionalProperties: false,
  },
  async run(_input, context) {
    return { success: true, configs: await context.services.llm.listConfigs() };
  },
});
