/** @module The provider wire formats the bench speaks, and the chat message every target is sent. */

export type Dialect = 'openai' | 'gemini' | 'anthropic';

export interface Message {
  role: 'system' | 'user' | 'assistant';
  content: string;
}
