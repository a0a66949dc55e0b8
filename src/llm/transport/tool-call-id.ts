/** @module Ids for tool calls a provider gave none for (Gemini usually, some local OpenAI-style servers). */
import { randomBytes } from 'node:crypto';

/** Marks an id branchflow made up, so an adapter knows not to present it to the provider as the provider's own. */
export const generatedIdPrefix = 'call_bf_';

export function generateToolCallId(): string {
  return generatedIdPrefix + randomBytes(12).toString('hex');
}

export function isGeneratedToolCallId(id: string): boolean {
  return id.startsWith(generatedIdPrefix);
}
