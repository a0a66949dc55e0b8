/** @module Cost of a reply from its usage and the config's `pricing` (prices per million tokens). */
import type { Pricing } from './config/config-schema.js';
import type { Usage } from './provider.js';

/** In the pricing's currency; undefined when either is unknown. Rounded to 1e-8 so sums stay readable. */
export function estimateCost(usage: Usage | null | undefined, pricing: Pricing | null | undefined): number | undefined {
  if (!usage || !pricing) return undefined;
  const cost = (usage.prompt_tokens * pricing.input_per_million + usage.completion_tokens * pricing.output_per_million) / 1_000_000;
  return Math.round(cost * 1e8) / 1e8;
}
