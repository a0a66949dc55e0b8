/**
 * @module The playground's tool-call view model (src/playground/tool-steps.js), without a browser: a saved node's
 * `tool_steps`, and the live events of TOOLS-DESIGN folded one by one, compared whole.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
// @ts-expect-error -- a plain browser module without types; it touches no DOM.
import { applyToolEvent, formatValue, statusText, toolStepsOfNode } from '../../src/playground/tool-steps.js';

type Folded = { steps: unknown[]; text: string };
const fold = (events: object[], text = ''): Folded =>
  events.reduce<Folded>((state, event) => applyToolEvent(state.steps, event, state.text) as Folded, { steps: [], text });

const test = suite('playground: tool steps');

test('a saved node: steps with their text and calls; a call without a status was cut off', () => {
  const node = {
    role: 'assistant',
    content: 'It is 14:02 in Tokyo.',
    tool_steps: [
      {
        content: 'Let me check.',
        tool_calls: [
          {
            id: 'call_1',
            name: 'modules/tools/current_time',
            arguments: { time_zone: 'Asia/Tokyo' },
            status: 'ok',
            result: { time: '14:02' },
            duration_ms: 3,
          },
          { id: 'call_2', name: 'mcp:files/read', arguments: '{"path":', status: 'error', result: 'arguments are not JSON' },
        ],
      },
      { tool_calls: [{ id: 'call_3', name: 'modules/tools/slow', arguments: {} }] },
    ],
  };
  assert.equal(toolStepsOfNode(node), [
    {
      content: 'Let me check.',
      reasoning: '',
      calls: [
        {
          id: 'call_1',
          name: 'modules/tools/current_time',
          arguments: { time_zone: 'Asia/Tokyo' },
          status: 'ok',
          result: { time: '14:02' },
          progress: '',
          durationMs: 3,
        },
        { id: 'call_2', name: 'mcp:files/read', arguments: '{"path":', status: 'error', result: 'arguments are not JSON', progress: '' },
      ],
    },
    { content: '', reasoning: '', calls: [{ id: 'call_3', name: 'modules/tools/slow', arguments: {}, status: 'aborted', progress: '' }] },
  ]);
  assert.equal(toolStepsOfNode({ role: 'assistant', content: 'plain' }), []);
});

test('live events: text before a call becomes its step; approval, progress, result; a second step after `step`', () => {
  const folded = fold(
    [
      { type: 'tool_call', tool_call_id: 'c1', tool_name: 'modules/tools/current_time', arguments: { time_zone: 'UTC' }, step: 1 },
      {
        type: 'tool_approval',
        generation_id: 'g1',
        tool_call_id: 'c1',
        tool_name: 'modules/tools/current_time',
        arguments: {},
        expires_at: '2026-12-06T07:05:00.000Z',
      },
      { type: 'tool_stream_chunk', tool_call_id: 'c1', content: 'asking the clock… ' },
      { type: 'tool_stream_chunk', tool_call_id: 'c1', content: 'done' },
      { type: 'tool_result', tool_call_id: 'c1', result: { time: '07:00' }, status: 'ok', duration_ms: 12 },
      { type: 'step', step: 2 },
    ],
    'Let me check.',
  );
  assert.equal(folded, {
    steps: [
      {
        content: 'Let me check.',
        reasoning: '',
        sealed: true,
        calls: [
          {
            id: 'c1',
            name: 'modules/tools/current_time',
            arguments: { time_zone: 'UTC' },
            status: 'ok',
            progress: 'asking the clock… done',
            result: { time: '07:00' },
            durationMs: 12,
          },
        ],
      },
    ],
    text: '',
  });
  // The model's second step says more, then calls again: that text is the second step's, and the answer starts empty.
  const second = applyToolEvent(
    folded.steps,
    { type: 'tool_call', tool_call_id: 'c2', tool_name: 'mcp:web/search', arguments: 'not json', step: 2 },
    'One more.',
  ) as Folded;
  assert.equal(second.text, '');
  assert.equal(
    (second.steps as { content: string; calls: { id: string; status: string }[] }[]).map((step) => [
      step.content,
      step.calls.map((call) => `${call.id}:${call.status}`),
    ]),
    [
      ['Let me check.', ['c1:ok']],
      ['One more.', ['c2:running']],
    ],
  );
  assert.equal(folded.steps.length, 1, 'the steps given are not changed');
});

test('a denied call, an unknown status, an event for an unknown call, and other events change nothing else', () => {
  const folded = fold([
    { type: 'tool_call', tool_call_id: 'c1', tool_name: 't', arguments: {} },
    { type: 'tool_call', tool_call_id: 'c2', tool_name: 't', arguments: {} },
    { type: 'tool_result', tool_call_id: 'c1', result: 'the user said no', status: 'denied', duration_ms: 0 },
    { type: 'tool_result', tool_call_id: 'c2', result: 'boom', status: 'exploded' },
    { type: 'tool_result', tool_call_id: 'nobody', result: 1, status: 'ok' },
    { type: 'chunk', content: 'ignored here' },
  ]);
  assert.equal(folded, {
    steps: [
      {
        content: '',
        reasoning: '',
        calls: [
          { id: 'c1', name: 't', arguments: {}, status: 'denied', progress: '', result: 'the user said no', durationMs: 0 },
          { id: 'c2', name: 't', arguments: {}, status: 'error', progress: '', result: 'boom' },
        ],
      },
    ],
    text: '',
  });
});

test('values print as text or indented JSON; badges say what happened in words', () => {
  assert.is(formatValue('plain text'), 'plain text');
  assert.is(formatValue({ a: [1, 2] }), '{\n  "a": [\n    1,\n    2\n  ]\n}');
  assert.is(formatValue(undefined), '');
  assert.is(statusText({ status: 'ok', durationMs: 5 }), 'done in 5 ms');
  assert.is(statusText({ status: 'awaiting approval' }), 'waiting for approval');
  assert.is(statusText({ status: 'timeout' }), 'timeout');
});

test.run();
