/**
 * @module Reading a SillyTavern chat file (JSONL): an optional header line (user_name, character_name,
 * chat_metadata...), then one message per line (name, is_user, is_system, send_date, mes, extra, swipes,
 * swipe_id, swipe_info). Every problem names its line; nothing is built from a file with one.
 */
import { CallError } from '../../../lib/call-error.js';
import { isPlainObject } from '../../../lib/plain-object.js';

export interface SillyTavernMessage {
  /** The line it came from (1-based), for messages. */
  line: number;
  /** The whole line as parsed: every field is kept, known or not. */
  fields: Record<string, unknown>;
  mes: string;
  is_user: boolean;
  is_system: boolean;
  /** The alternative replies, when there are any (a list of strings), and which one was chosen. */
  swipes?: string[];
  swipeId?: number;
}

export interface SillyTavernChat {
  header: Record<string, unknown> | null;
  messages: SillyTavernMessage[];
}

export function parseSillyTavernChat(text: string): SillyTavernChat {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let header: Record<string, unknown> | null = null;
  const messages: SillyTavernMessage[] = [];
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      const hint =
        line === 1 && /^\s*[[{]\s*$/.test(raw)
          ? ' (a SillyTavern chat is JSONL: one JSON object per line, not a pretty-printed JSON file)'
          : '';
      throw bad(line, `is not JSON: ${(error as Error).message}${hint}`);
    }
    if (!isPlainObject(value)) throw bad(line, 'is not a JSON object');
    if (messages.length === 0 && header === null && !Object.hasOwn(value, 'mes')) {
      header = value;
      return;
    }
    messages.push(message(value, line));
  });
  if (messages.length === 0) {
    throw new CallError('BAD_INPUT', `the chat has no messages${header ? ' (only a header line)' : ''}: nothing to import`, {
      details: { field: 'content' },
    });
  }
  return { header, messages };
}

function message(fields: Record<string, unknown>, line: number): SillyTavernMessage {
  const { mes, is_user: isUser, is_system: isSystem, swipes, swipe_id: swipeId } = fields;
  if (typeof mes !== 'string') throw bad(line, '`mes` must be the message text (a string)', 'mes');
  if (isUser !== undefined && typeof isUser !== 'boolean') throw bad(line, '`is_user` must be true or false', 'is_user');
  if (isSystem !== undefined && typeof isSystem !== 'boolean') throw bad(line, '`is_system` must be true or false', 'is_system');
  const parsed: SillyTavernMessage = { line, fields, mes, is_user: isUser === true, is_system: isSystem === true };
  if (swipes !== undefined) {
    if (!Array.isArray(swipes) || swipes.some((swipe) => typeof swipe !== 'string')) {
      throw bad(line, '`swipes` must be a list of strings', 'swipes');
    }
    if (swipes.length > 0) {
      const chosen = swipeId === undefined ? Math.max(0, swipes.indexOf(mes)) : swipeId;
      if (typeof chosen !== 'number' || !Number.isInteger(chosen) || chosen < 0 || chosen >= swipes.length) {
        throw bad(line, `\`swipe_id\` must be a whole number from 0 to ${swipes.length - 1} (an index into swipes)`, 'swipe_id');
      }
      parsed.swipes = swipes as string[];
      parsed.swipeId = chosen;
    }
  }
  return parsed;
}

function bad(line: number, problem: string, field?: string): CallError {
  return new CallError('BAD_INPUT', `line ${line} of the chat ${problem}`, { details: { line, ...(field ? { field } : {}) } });
}
