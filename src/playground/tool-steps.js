// Tool calls as the page shows them: the saved node's `tool_steps`, or the live tool events of a streaming reply,
// turned into one view model. No DOM here (tool-steps-view.js draws it), so Node tests it directly.

/**
 * @typedef {'running' | 'awaiting approval' | 'ok' | 'error' | 'aborted' | 'denied' | 'timeout'} CallStatus
 * @typedef {{
 *   id: string, name: string, arguments: unknown, status: CallStatus, result?: unknown, progress: string,
 *   durationMs?: number, approval?: { generationId: string, expiresAt: string },
 * }} CallView
 * @typedef {{ content: string, reasoning: string, calls: CallView[], sealed?: boolean }} StepView (sealed: the model was
 *   called again after these calls, so a later call opens a new step)
 */

const finalStatuses = ['ok', 'error', 'aborted', 'denied', 'timeout'];

/**
 * The steps of a saved assistant node; [] when it has none (or they are not the shape the design fixes).
 * @param {any} node
 * @returns {StepView[]}
 */
export function toolStepsOfNode(node) {
  if (!Array.isArray(node?.tool_steps)) return [];
  return node.tool_steps
    .filter((step) => step && typeof step === 'object')
    .map((step) => ({
      content: typeof step.content === 'string' ? step.content : '',
      reasoning: typeof step.reasoning === 'string' ? step.reasoning : '',
      calls: (Array.isArray(step.tool_calls) ? step.tool_calls : [])
        .filter((call) => call && typeof call === 'object')
        .map((call) => ({
          id: String(call.id ?? ''),
          name: String(call.name ?? 'unknown tool'),
          arguments: call.arguments,
          // A saved call without a status was cut off (a crash mid-call): say so rather than "running".
          status: finalStatuses.includes(call.status) ? call.status : 'aborted',
          ...('result' in call ? { result: call.result } : {}),
          progress: '',
          ...(typeof call.duration_ms === 'number' ? { durationMs: call.duration_ms } : {}),
        })),
    }));
}

/**
 * The live view of a streaming reply, one event at a time: `step`, `tool_call`, `tool_approval`,
 * `tool_stream_chunk`, `tool_result`. Answer text before a call (streamed as `chunk`s) belongs to that step: the
 * caller passes what has streamed since the last step as `textSoFar`, and gets back what stays the answer.
 * Returns new objects; the given steps are not changed.
 * @param {StepView[]} steps
 * @param {{ type: string, [field: string]: any }} event
 * @param {string} textSoFar
 * @returns {{ steps: StepView[], text: string }}
 */
export function applyToolEvent(steps, event, textSoFar) {
  const next = steps.map((step) => ({ ...step, calls: step.calls.map((call) => ({ ...call })) }));
  const findCall = (/** @type {string} */ id) => next.flatMap((step) => step.calls).find((call) => call.id === id);
  switch (event.type) {
    case 'tool_call': {
      let step = next[next.length - 1];
      if (!step || step.sealed) {
        step = { content: '', reasoning: '', calls: [] };
        next.push(step);
      }
      // The text streamed since the last step was said before this step's calls: it is the step's, not the answer.
      const opening = step.calls.length === 0;
      if (opening) step.content = textSoFar;
      step.calls.push({
        id: String(event.tool_call_id),
        name: String(event.tool_name),
        arguments: event.arguments,
        status: 'running',
        progress: '',
      });
      return { steps: next, text: opening ? '' : textSoFar };
    }
    case 'step': {
      // The model is called again: the calls so far are one finished step; a later call opens a new one.
      const last = next[next.length - 1];
      if (last) last.sealed = true;
      return { steps: next, text: textSoFar };
    }
    case 'tool_approval': {
      const call = findCall(String(event.tool_call_id));
      if (call) {
        call.status = 'awaiting approval';
        call.approval = { generationId: String(event.generation_id), expiresAt: String(event.expires_at ?? '') };
      }
      return { steps: next, text: textSoFar };
    }
    case 'tool_stream_chunk': {
      const call = findCall(String(event.tool_call_id));
      if (call) call.progress += String(event.content ?? '');
      return { steps: next, text: textSoFar };
    }
    case 'tool_result': {
      const call = findCall(String(event.tool_call_id));
      if (call) {
        call.status = finalStatuses.includes(event.status) ? event.status : 'error';
        call.result = event.result;
        if (typeof event.duration_ms === 'number') call.durationMs = event.duration_ms;
        delete call.approval;
      }
      return { steps: next, text: textSoFar };
    }
    default:
      return { steps, text: textSoFar };
  }
}

export const toolEventTypes = ['step', 'tool_call', 'tool_approval', 'tool_stream_chunk', 'tool_result'];

/**
 * A value as the page prints it: strings as they are, everything else as indented JSON.
 * @param {unknown} value
 */
export function formatValue(value) {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  return JSON.stringify(value, null, 2);
}

/** The words on a call's badge. @param {CallView} call */
export function statusText(call) {
  if (call.status === 'ok') return call.durationMs === undefined ? 'done' : `done in ${call.durationMs} ms`;
  if (call.status === 'awaiting approval') return 'waiting for approval';
  return call.status;
}
