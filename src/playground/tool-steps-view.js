// Draws tool steps (see tool-steps.js) inside an assistant message: per call a collapsible block with the tool's
// name and a status badge, its arguments and result as formatted JSON, its streamed progress, and Approve / Deny
// while it waits for approval.
import { formatValue, statusText } from './tool-steps.js';

/**
 * @param {import('./tool-steps.js').StepView[]} steps
 * @param {{ approve: (approval: { generationId: string, toolCallId: string, approve: boolean }) => void, busy: boolean }} options
 * @returns {HTMLElement | null} null when there is nothing to show
 */
export function renderToolSteps(steps, options) {
  if (steps.every((step) => step.calls.length === 0 && step.content === '')) return null;
  const section = document.createElement('div');
  section.className = 'tool-steps';
  for (const step of steps) {
    if (step.content !== '') section.append(textElement('p', 'tool-step-text', step.content));
    for (const call of step.calls) section.append(callBlock(call, options));
  }
  return section;
}

/** @param {import('./tool-steps.js').CallView} call @param {Parameters<typeof renderToolSteps>[1]} options */
function callBlock(call, options) {
  const block = document.createElement('details');
  block.className = `tool-call tool-status-${call.status.replace(' ', '-')}`;
  block.dataset.toolCallId = call.id;
  // Open while it needs the reader (running, waiting for approval, failed); folded once it did its job.
  block.open = call.status === 'running' || call.status === 'awaiting approval' || call.status === 'error';
  const summary = document.createElement('summary');
  summary.append(
    textElement('span', 'tool-name', call.name),
    textElement('span', `badge tool-badge badge-${call.status.replace(' ', '-')}`, statusText(call)),
  );
  block.append(summary);
  block.append(labelled('Arguments', formatValue(call.arguments), 'tool-arguments'));
  if (call.progress !== '') block.append(labelled('Progress', call.progress, 'tool-progress'));
  if ('result' in call) block.append(labelled(call.status === 'ok' ? 'Result' : 'Error', formatValue(call.result), 'tool-result'));
  if (call.status === 'awaiting approval' && call.approval) {
    const { generationId } = call.approval;
    const bar = document.createElement('div');
    bar.className = 'message-actions tool-approval';
    for (const [text, approve] of /** @type {const} */ ([
      ['Approve', true],
      ['Deny', false],
    ])) {
      const control = document.createElement('button');
      control.type = 'button';
      control.textContent = text;
      control.setAttribute('aria-label', `${text} the call to ${call.name}`);
      control.disabled = options.busy;
      control.addEventListener('click', () => {
        for (const other of bar.querySelectorAll('button')) other.disabled = true;
        options.approve({ generationId, toolCallId: call.id, approve });
      });
      bar.append(control);
    }
    if (call.approval.expiresAt !== '')
      bar.append(textElement('span', 'muted', `until ${new Date(call.approval.expiresAt).toLocaleTimeString()}`));
    block.append(bar);
  }
  return block;
}

/** @param {string} title @param {string} text @param {string} className */
function labelled(title, text, className) {
  const part = document.createElement('div');
  part.className = className;
  part.append(textElement('h4', 'tool-label', title), textElement('pre', 'tool-json', text));
  return part;
}

/** Text through textContent only: a tool's output is never parsed as HTML. @param {string} tag @param {string} className @param {string} text */
function textElement(tag, className, text) {
  const node = document.createElement(tag);
  node.className = className;
  node.textContent = text;
  return node;
}
