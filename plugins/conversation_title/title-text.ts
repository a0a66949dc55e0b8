/** @module What the title request says, and how a reply becomes a title: one line, no quotes or "Title:", at most 80 characters. */
import type { ChatMessage } from '../../src/index.js';

export const maxTitleLength = 80;

export const titleInstruction =
  'You name conversations. Reply with a short title (at most 6 words) for the conversation the user shows you: no quotes, no punctuation at the end, nothing else.';

/** The conversation as one text, each message cut short: a title needs the gist, not every word. */
export function transcript(messages: readonly ChatMessage[]): string {
  return messages
    .filter((message) => message.role !== 'system')
    .slice(0, 6)
    .map((message) => `${message.role}: ${message.content.trim().replace(/\s+/g, ' ').slice(0, 500)}`)
    .join('\n');
}

export function cleanTitle(reply: string): string {
  const line =
    reply
      .split('\n')
      .map((candidate) => candidate.trim())
      .find((candidate) => candidate !== '') ?? '';
  const title = line
    .replace(/^(title)\s*:\s*/i, '')
    .replace(/^["'“”«»*#\s]+|["'“”«»*\s.]+$/g, '')
    .replace(/\s+/g, ' ');
  if (title.length <= maxTitleLength) return title;
  const cut = title.slice(0, maxTitleLength);
  const space = cut.lastIndexOf(' ');
  return `${(space > maxTitleLength / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}
