/** @module Cost of a reply from its usage and the config's `pricing` (prices per million tokens). */
import type { Pricing } from './config/config-schema.js';
import type { Usage } from './provider.js';

/** In the pricing's currency; undefined when either is unknown. Rounded to 1e-8 so sums stay readable. */
export function estimateCost(usage: Usage | null | undefined, pricing: Pricing | null | undefined): number | undefined {
  if (!usage || !pricing) return undefined;
  // Cached prompt tokens are part of prompt_tokens, at their own prices when the pricing has them. Reasoning
  // tokens are part of completion_tokens and billed as output.
  const cacheRead = usage.cache_read_tokens ?? 0;
  const cacheWrite = usage.cache_write_tokens ?? 0;
  const plainPrompt = Math.max(0, usage.prompt_tokens - cacheRead - cacheWrite);
  const prompt =
    plainPrompt * pricing.input_per_million +
    cacheRead * (pricing.cache_read_per_million ?? pricing.input_per_million) +
    cacheWrite * (pricing.cache_write_per_million ?? pricing.input_per_million);
  const cost = (prompt + usage.completion_tokens * pricing.output_per_million) / 1_000_000;
  return Math.round(cost * 1e8) / 1e8;
}
