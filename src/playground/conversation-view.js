// Renders the active path as chat messages: role, content, model and usage, branch switches, marks, actions.
import { contentElement, imagesElement } from './message-body.js';
import { toolStepsOfNode } from './tool-steps.js';
import { renderToolSteps } from './tool-steps-view.js';

/**
 * @typedef {{ pid: string | null, role: string, content: string, reasoning?: string, attachments?: any[], meta?: any }} TreeNode
 * @typedef {{ depth: number, node_id: string, j: number, n: number }} Level
 * @typedef {{ nodeId: string, parentId: string, text: string, reasoning?: string, tools?: import('./tool-steps.js').StepView[] }} Draft a reply being streamed
 * @typedef {{ nodeId: string, text: string }} Editing
 * @typedef {{
 *   nodes: Record<string, TreeNode>,
 *   levels: Level[],
 *   draft: Draft | null,
 *   editing: Editing | null,
 *   busy: boolean,
 *   imageUrl: (reference: string) => string,
 * }} ViewModel
 * @typedef {{
 *   switchBranch: (nodeId: string, targetJ: number) => void,
 *   startEdit: (nodeId: string) => void,
 *   changeEdit: (text: string) => void,
 *   saveEdit: () => void,
 *   cancelEdit: () => void,
 *   deleteMessage: (nodeId: string) => void,
 *   regenerate: (nodeId: string) => void,
 *   reply: (nodeId: string) => void,
 *   approveTool: (approval: { generationId: string, toolCallId: string, approve: boolean }) => void,
 * }} ViewActions
 */

/** The control to focus once it is enabled again. @type {string | undefined} */
let pendingFocusKey;

/**
 * Rebuilds the list. Focus survives: the focused control's `data-focus-key` (depth and action, not node id, so
 * "previous branch" keeps focus after the node under it changed) is looked up again afterwards.
 * @param {HTMLOListElement} list
 * @param {ViewModel} model
 * @param {ViewActions} actions
 * @returns {{ draftContent: HTMLElement | null }} where streamed text goes, updated without a rebuild per token
 */
export function renderMessages(list, model, actions) {
  const focused = document.activeElement instanceof HTMLElement && list.contains(document.activeElement) ? document.activeElement : null;
  const nothingFocused = document.activeElement === null || document.activeElement === document.body;
  const focusKey = focused?.dataset.focusKey ?? (nothingFocused ? pendingFocusKey : undefined);
  pendingFocusKey = undefined;
  const selection = focused instanceof HTMLTextAreaElement ? [focused.selectionStart, focused.selectionEnd] : undefined;

  const items = [];
  let draftContent = null;
  for (const level of model.levels) {
    const node = model.nodes[level.node_id];
    if (!node) continue;
    const streaming = model.draft?.nodeId === level.node_id;
    const item = messageItem(level, node, model, actions, streaming);
    if (streaming) draftContent = item.querySelector('.content');
    items.push(item);
  }
  const leaf = model.levels[model.levels.length - 1]?.node_id ?? null;
  // A new reply has no node until it is saved: show it under the leaf it answers.
  if (model.draft && !(model.draft.nodeId in model.nodes) && model.draft.parentId === leaf) {
    const item = draftItem(model.draft, model.levels.length + 1, actions);
    draftContent = item.querySelector('.content');
    items.push(item);
  }
  if (items.length === 0) items.push(element('li', { className: 'empty muted' }, 'No messages yet. Write the first one below.'));
  list.replaceChildren(...items);

  if (focusKey !== undefined) {
    const again = list.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`);
    if (again instanceof HTMLButtonElement && again.disabled) {
      // Disabled while its own write runs: focus goes back to it in the render after the write.
      pendingFocusKey = focusKey;
    } else if (again instanceof HTMLElement) {
      again.focus();
      if (again instanceof HTMLTextAreaElement && selection) again.setSelectionRange(selection[0], selection[1]);
    }
  }
  return { draftContent };
}

/**
 * @param {Level} level
 * @param {TreeNode} node
 * @param {ViewModel} model
 * @param {ViewActions} actions
 * @param {boolean} streaming
 */
function messageItem(level, node, model, actions, streaming) {
  const meta = node.meta && typeof node.meta === 'object' ? node.meta : {};
  const item = element('li', { className: `message role-${node.role}` });
  item.dataset.nodeId = level.node_id;
  item.dataset.depth = String(level.depth);
  const headingId = `message-${level.depth}-heading`;
  item.setAttribute('aria-labelledby', headingId);

  const header = element('div', { className: 'message-header' });
  header.append(element('h3', { className: 'role', id: headingId }, node.role));
  for (const mark of marksOf(meta, streaming)) header.append(element('span', { className: `badge badge-${mark.kind}` }, mark.text));
  if (level.n > 1) header.append(branchSwitch(level, model.busy, actions));
  item.append(header);

  if (model.editing?.nodeId === level.node_id) {
    item.append(editForm(level, model.editing, actions));
  } else {
    const reasoning = streaming ? (model.draft?.reasoning ?? '') : typeof node.reasoning === 'string' ? node.reasoning : '';
    if (reasoning !== '') item.append(reasoningBlock(reasoning, streaming));
    const images = imagesElement(node, level.depth, model.imageUrl);
    if (images) item.append(images);
    const steps = streaming ? (model.draft?.tools ?? []) : toolStepsOfNode(node);
    const tools = renderToolSteps(steps, { approve: actions.approveTool, busy: false });
    if (tools) item.append(tools);
    const text = streaming ? (model.draft?.text ?? '') : node.content;
    // A turn that ended in tool calls may have no answer text: the calls say what happened.
    if (text !== '' || streaming || !tools) item.append(contentElement(node.role, text, streaming));
  }

  const details = detailsOf(meta);
  if (details !== '') item.append(element('p', { className: 'meta muted' }, details));
  if (meta.error && typeof meta.error === 'object') {
    item.append(
      element(
        'p',
        { className: 'node-error' },
        `The reply stopped on an error — ${meta.error.code ?? 'ERROR'}: ${meta.error.message ?? ''}`,
      ),
    );
  }
  const isLeaf = level === model.levels[model.levels.length - 1];
  if (model.editing?.nodeId !== level.node_id) item.append(messageActions(level, node, isLeaf, model.busy, actions));
  return item;
}

/** @param {Draft} draft @param {number} depth @param {ViewActions} actions */
function draftItem(draft, depth, actions) {
  const item = element('li', { className: 'message role-assistant streaming' });
  item.dataset.nodeId = draft.nodeId;
  item.dataset.depth = String(depth);
  item.setAttribute('aria-labelledby', 'message-draft-heading');
  const header = element('div', { className: 'message-header' });
  header.append(element('h3', { className: 'role', id: 'message-draft-heading' }, 'assistant'));
  header.append(element('span', { className: 'badge badge-streaming' }, 'streaming…'));
  item.append(header);
  if (draft.reasoning) item.append(reasoningBlock(draft.reasoning, true));
  const tools = renderToolSteps(draft.tools ?? [], { approve: actions.approveTool, busy: false });
  if (tools) item.append(tools);
  item.append(contentElement('assistant', draft.text, true));
  return item;
}

/**
 * The model's reasoning, folded away under a summary (open while it streams): it is not the answer.
 * @param {string} text @param {boolean} open
 */
function reasoningBlock(text, open) {
  const block = element('details', { className: 'reasoning' });
  block.open = open;
  block.append(element('summary', {}, 'Reasoning'), element('div', { className: 'reasoning-text muted' }, text));
  return block;
}

/**
 * @param {any} meta
 * @param {boolean} streaming
 * @returns {{ kind: string, text: string }[]} words, not only colours
 */
function marksOf(meta, streaming) {
  if (streaming) return [{ kind: 'streaming', text: 'streaming…' }];
  const marks = [];
  if (meta.interrupted) marks.push({ kind: 'interrupted', text: 'interrupted' });
  if (meta.partial) marks.push({ kind: 'partial', text: meta.finish_reason === 'aborted' ? 'partial (stopped)' : 'partial' });
  if (meta.error) marks.push({ kind: 'error', text: 'error' });
  return marks;
}

/** Model, usage and timing, when the node's meta has them. */
function detailsOf(/** @type {any} */ meta) {
  const parts = [];
  if (typeof meta.model === 'string') parts.push(`model ${meta.model}${typeof meta.provider === 'string' ? ` (${meta.provider})` : ''}`);
  const usage = meta.usage;
  if (usage && typeof usage === 'object' && typeof usage.total_tokens === 'number') {
    parts.push(`${usage.total_tokens} tokens (${usage.prompt_tokens} prompt, ${usage.completion_tokens} completion)`);
  }
  if (typeof meta.response_time === 'number') parts.push(`${meta.response_time.toFixed(2)} s`);
  if (typeof meta.finish_reason === 'string' && !['stop', 'aborted', 'error', 'interrupted'].includes(meta.finish_reason)) {
    parts.push(`finish: ${meta.finish_reason}`);
  }
  return parts.join(' · ');
}

/** `‹ j/n ›`: the siblings at this depth. */
function branchSwitch(/** @type {Level} */ level, /** @type {boolean} */ busy, /** @type {ViewActions} */ actions) {
  const group = element('div', { className: 'branch-switch', role: 'group' });
  group.setAttribute('aria-label', `Branch ${level.j} of ${level.n} at this message`);
  const previous = button('‹', `Previous branch (${level.j - 1} of ${level.n})`, `${level.depth}:previous`, () =>
    actions.switchBranch(level.node_id, level.j - 1),
  );
  const next = button('›', `Next branch (${level.j + 1} of ${level.n})`, `${level.depth}:next`, () =>
    actions.switchBranch(level.node_id, level.j + 1),
  );
  previous.disabled = busy || level.j <= 1;
  next.disabled = busy || level.j >= level.n;
  if (level.j <= 1) previous.setAttribute('aria-label', 'Previous branch (this is the first)');
  if (level.j >= level.n) next.setAttribute('aria-label', 'Next branch (this is the last)');
  group.append(previous, element('span', { className: 'branch-position' }, `${level.j}/${level.n}`), next);
  return group;
}

/** @param {Level} level @param {TreeNode} node @param {boolean} isLeaf @param {boolean} busy @param {ViewActions} actions */
function messageActions(level, node, isLeaf, busy, actions) {
  const bar = element('div', { className: 'message-actions' });
  const label = `${node.role} message ${level.depth}`;
  const edit = button('Edit', `Edit ${label}`, `${level.depth}:edit`, () => actions.startEdit(level.node_id));
  const remove = button('Delete', `Delete ${label} and everything after it`, `${level.depth}:delete`, () =>
    actions.deleteMessage(level.node_id),
  );
  bar.append(edit, remove);
  if (node.role === 'assistant') {
    bar.append(
      button('Regenerate', `Regenerate ${label} as a new branch`, `${level.depth}:regenerate`, () => actions.regenerate(level.node_id)),
    );
  } else if (node.role === 'user' && isLeaf) {
    // A message whose reply failed or was never asked for: answer it without sending it again.
    bar.append(button('Get a reply', `Get a reply to ${label}`, `${level.depth}:reply`, () => actions.reply(level.node_id)));
  }
  for (const control of bar.querySelectorAll('button')) control.disabled = busy;
  return bar;
}

/** @param {Level} level @param {Editing} editing @param {ViewActions} actions */
function editForm(level, editing, actions) {
  const form = element('form', { className: 'edit-form' });
  const fieldId = `edit-${level.depth}`;
  const label = element('label', { className: 'visually-hidden' }, `New content of message ${level.depth}`);
  label.setAttribute('for', fieldId);
  const field = /** @type {HTMLTextAreaElement} */ (element('textarea', { id: fieldId, rows: 4 }));
  field.value = editing.text;
  field.dataset.focusKey = `${level.depth}:edit-field`;
  field.addEventListener('input', () => actions.changeEdit(field.value));
  field.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') actions.cancelEdit();
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      actions.saveEdit();
    }
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    actions.saveEdit();
  });
  const save = button('Save', `Save message ${level.depth}`, `${level.depth}:save`, () => {});
  save.type = 'submit';
  const cancel = button('Cancel', `Cancel editing message ${level.depth}`, `${level.depth}:cancel`, () => actions.cancelEdit());
  const bar = element('div', { className: 'message-actions' });
  bar.append(save, cancel);
  form.append(label, field, bar);
  return form;
}

/**
 * @param {string} text
 * @param {string} accessibleName
 * @param {string} focusKey
 * @param {() => void} onClick
 */
function button(text, accessibleName, focusKey, onClick) {
  const control = /** @type {HTMLButtonElement} */ (element('button', { type: 'button' }, text));
  control.setAttribute('aria-label', accessibleName);
  control.dataset.focusKey = focusKey;
  control.addEventListener('click', onClick);
  return control;
}

/**
 * Text goes in through textContent only: conversation content is never parsed as HTML.
 * @param {string} tag
 * @param {Record<string, string | number>} properties
 * @param {string} [text]
 */
function element(tag, properties = {}, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(properties)) {
    if (name === 'className') node.className = String(value);
    else node.setAttribute(name, String(value));
  }
  if (text !== undefined) node.textContent = text;
  return node;
}
