// The sidebar: the conversation list, the LLM config choices, and the form that creates a conversation.
import { conversationMenu } from './conversation-actions.js';

/**
 * @typedef {{ file: string, name: string, nodes_count: number, updated_at?: string, error?: { code: string, message: string } }} ConversationSummary
 * @typedef {{ file: string, name: string, provider: string | null, model: string | null, key_resolves: boolean, error?: { code: string, message: string } }} ConfigSummary
 */

/**
 * @param {HTMLUListElement} list
 * @param {ConversationSummary[]} conversations
 * @param {string | null} current
 * @param {(file: string) => void} open
 * @param {import('./conversation-actions.js').ConversationHandlers} handlers
 */
export function renderConversationList(list, conversations, current, open, handlers) {
  const focusedFile =
    document.activeElement instanceof HTMLElement && list.contains(document.activeElement)
      ? document.activeElement.dataset.file
      : undefined;
  // A list refresh (every watch event) must not close the menu the user just opened.
  const openMenu = list.querySelector('details.conversation-menu[open]')?.getAttribute('data-file') ?? undefined;
  const focusedInMenu =
    document.activeElement instanceof HTMLElement && document.activeElement.closest('details.conversation-menu')
      ? document.activeElement.getAttribute('aria-label')
      : null;
  const items = conversations.map((conversation) => {
    const item = document.createElement('li');
    const choose = document.createElement('button');
    choose.type = 'button';
    choose.className = 'conversation-choice';
    choose.dataset.file = conversation.file;
    if (conversation.file === current) choose.setAttribute('aria-current', 'true');
    const name = document.createElement('span');
    name.className = 'conversation-name';
    name.textContent = conversation.name;
    const detail = document.createElement('span');
    detail.className = 'conversation-detail muted';
    detail.textContent = conversation.error
      ? `cannot be read: ${conversation.error.code}`
      : `${conversation.nodes_count} ${conversation.nodes_count === 1 ? 'message' : 'messages'}`;
    if (conversation.error) choose.classList.add('has-error');
    choose.title = conversation.error ? conversation.error.message : conversation.file;
    choose.append(name, detail);
    choose.addEventListener('click', () => open(conversation.file));
    item.className = 'conversation-item';
    const menu = conversationMenu(conversation, handlers);
    menu.dataset.file = conversation.file;
    menu.open = conversation.file === openMenu;
    item.append(choose, menu);
    return item;
  });
  list.replaceChildren(...items);
  if (focusedFile !== undefined) list.querySelector(`[data-file="${CSS.escape(focusedFile)}"]`)?.focus();
  if (focusedInMenu) list.querySelector(`details.conversation-menu [aria-label="${CSS.escape(focusedInMenu)}"]`)?.focus();
}

/**
 * Fills a config <select>, keeping the current choice when it still exists.
 * @param {HTMLSelectElement} select
 * @param {ConfigSummary[]} configs
 * @param {{ label: string } | null} defaultOption an option with value '' (e.g. "the conversation's own config")
 */
export function fillConfigSelect(select, configs, defaultOption) {
  const previous = select.value;
  const options = [];
  if (defaultOption) options.push(new Option(defaultOption.label, ''));
  for (const config of configs) {
    const model = config.model ? ` — ${config.model}` : '';
    const problem = config.error
      ? ` (unusable: ${config.error.message.length > 60 ? `${config.error.message.slice(0, 60)}…` : config.error.message})`
      : '';
    const option = new Option(`${config.name}${model}${problem}`, config.file);
    if (config.error) option.title = config.error.message;
    options.push(option);
  }
  select.replaceChildren(...options);
  const usable = configs.find((config) => !config.error);
  if (options.some((option) => option.value === previous && previous !== '')) select.value = previous;
  else if (!defaultOption && usable) select.value = usable.file;
}
