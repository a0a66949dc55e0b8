// What the sidebar can do to a whole conversation: rename it, export it (a file download), delete it.
import { callStep } from './api-client.js';

/**
 * @typedef {{
 *   rename: (file: string, name: string) => void,
 *   remove: (file: string, name: string) => void,
 *   exportAs: (file: string, format: 'json' | 'markdown' | 'sillytavern') => void,
 * }} ConversationHandlers
 */

const exportFormats = /** @type {const} */ ([
  ['json', 'Export as JSON (the whole tree)'],
  ['markdown', 'Export as Markdown (the active path)'],
  ['sillytavern', 'Export as SillyTavern chat (JSONL)'],
]);

/**
 * A small menu beside a conversation in the list: a disclosure button and the actions under it.
 * @param {import('./sidebar.js').ConversationSummary} conversation
 * @param {ConversationHandlers} handlers
 */
export function conversationMenu(conversation, handlers) {
  const menu = document.createElement('details');
  menu.className = 'conversation-menu';
  const summary = document.createElement('summary');
  summary.textContent = '⋯';
  summary.setAttribute('aria-label', `Actions for ${conversation.name}`);
  summary.title = 'Rename, export or delete';
  menu.append(summary);
  const list = document.createElement('div');
  list.className = 'conversation-menu-items';
  const item = (/** @type {string} */ text, /** @type {() => void} */ act) => {
    const control = document.createElement('button');
    control.type = 'button';
    control.textContent = text;
    control.setAttribute('aria-label', `${text}: ${conversation.name}`);
    control.addEventListener('click', () => {
      menu.open = false;
      act();
    });
    list.append(control);
  };
  item('Rename', () => handlers.rename(conversation.file, conversation.name));
  // A file that cannot be read can still be deleted, not exported.
  if (!conversation.error) for (const [format, text] of exportFormats) item(text, () => handlers.exportAs(conversation.file, format));
  item('Delete', () => handlers.remove(conversation.file, conversation.name));
  menu.append(list);
  return menu;
}

/**
 * Exports through `modules/chat_branches/export` and hands the text to the browser as a download.
 * @param {string} file
 * @param {'json' | 'markdown' | 'sillytavern'} format
 */
export async function downloadExport(file, format) {
  const exported = await callStep('modules/chat_branches/export', { conversation_file: file, format });
  const url = URL.createObjectURL(new Blob([exported.content], { type: exported.media_type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = exported.file_name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return exported.file_name;
}
