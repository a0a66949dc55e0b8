import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createLlmService } from '../../src/llm/llm-service.js';
import type { ChatRequest, ProviderEvent, ToolSpec } from '../../src/llm/provider.js';
import { startFakeGemini, type FakeServer } from '../helpers/fake-gemini.js';
import { capturingLogger, collect, collectUntilFailure, neverAborted } from './llm-test-kit.js';

let server: FakeServer;

function provider(extra: Record<string, unknown> = {}) {
  const llm = createLlmService({ root: process.cwd(), logger: capturingLogger(), env: {} });
  return llm.provider(
    llm.inlineConfig({ provider: 'gemini', base_url: server.baseUrl, model: 'gemini-3-test', api_key: 'gm-tools-key', ...extra }),
  );
}

const timeTool: ToolSpec = {
  name: 'current_time',
  description: 'The time in a zone.',
  parameters: { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'], additionalProperties: false },
};
const addTool: ToolSpec = { name: 'add', description: 'Adds.', parameters: { type: 'object', properties: {} } };
const ask: ChatRequest = { messages: [{ role: 'user', content: 'Time in Tokyo and Paris?' }], tools: [timeTool, addTool] };
const body = (index: number) => server.requests[index]?.body as Record<string, unknown>;

/** The loop's first step (one call with Gemini's id and signature, one with a made-up id) and its two results. */
const step = {
  role: 'assistant' as const,
  content: 'Checking.',
  reasoning: 'Two zones.',
  tool_calls: [
    { id: 'fc_1', name: 'current_time', arguments: '{"zone":"Asia/Tokyo"}', thought_signature: 'sig-A' },
    { id: 'call_bf_0123456789abcdef01234567', name: 'current_time', arguments: '{"zone": "Europe/Par' },
  ],
};
const results = [
  { role: 'tool' as const, content: '{"time":"14:02"}', tool_call_id: 'fc_1', tool_name: 'current_time' },
  { role: 'tool' as const, content: 'arguments are not valid JSON', tool_call_id: 'call_bf_0123456789abcdef01234567', is_error: true },
];
const followUp: ChatRequest = {
  messages: [{ role: 'system', content: 'Be brief.' }, ...ask.messages, step, ...results],
  tools: [timeTool],
  tool_choice: 'required',
};

const test = suite('gemini provider: tool calls');

test.before(async () => {
  server = await startFakeGemini();
});
test.before.each(() => server.reset());
test.after(() => server.close());

test('functionCall parts become tool_call events (args as JSON text, id given or made up, signature kept); STOP is tool_calls', async () => {
  server.defaultReply = {
    chunks: ['Let me ', 'check.'],
    toolCalls: [
      { name: 'current_time', arguments: '{"zone":"Asia/Tokyo"}', thoughtSignature: 'sig-A' },
      { id: 'fc_2', name: 'current_time', arguments: '{"zone":"Europe/Paris"}' },
    ],
    usage: { prompt: 8, completion: 6 },
  };
  const events = await collect(provider().stream(ask, { signal: neverAborted }));
  const first = events[3];
  const madeUp = first?.type === 'tool_call' ? first.call.id : '';
  assert.match(madeUp, /^call_bf_[0-9a-f]{24}$/);
  assert.equal(events, [
    { type: 'model', model: 'gemini-3-test' },
    { type: 'text', text: 'Let me ' },
    { type: 'text', text: 'check.' },
    { type: 'tool_call', call: { id: madeUp, name: 'current_time', arguments: '{"zone":"Asia/Tokyo"}', thought_signature: 'sig-A' } },
    { type: 'tool_call', call: { id: 'fc_2', name: 'current_time', arguments: '{"zone":"Europe/Paris"}' } },
    { type: 'finish', reason: 'tool_calls' },
    { type: 'usage', usage: { prompt_tokens: 8, completion_tokens: 6, total_tokens: 14 } },
  ] satisfies ProviderEvent[]);
  assert.equal(body(0)['tools'], [
    {
      functionDeclarations: [
        { name: 'current_time', description: 'The time in a zone.', parametersJsonSchema: timeTool.parameters },
        { name: 'add', description: 'Adds.', parametersJsonSchema: addTool.parameters },
      ],
    },
  ]);
  assert.is(body(0)['toolConfig'], undefined);
});

test('tool_choice as functionCallingConfig: AUTO, NONE, ANY, ANY limited to one name', async () => {
  server.defaultReply = { chunks: ['ok'], usage: null };
  for (const choice of ['auto', 'none', 'required', { name: 'add' }] as const) {
    await collect(provider().stream({ ...ask, tool_choice: choice }, { signal: neverAborted }));
  }
  assert.equal(
    server.requests.map((request) => (request.body as { toolConfig?: unknown }).toolConfig),
    [
      { functionCallingConfig: { mode: 'AUTO' } },
      { functionCallingConfig: { mode: 'NONE' } },
      { functionCallingConfig: { mode: 'ANY' } },
      { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['add'] } },
    ],
  );
});

test('the follow-up request: the step as model functionCall parts (signature back on its part), results as one user turn', async () => {
  server.defaultReply = { chunks: ['It is 14:02 in Tokyo.'], usage: null };
  const events = await collect(provider().stream(followUp, { signal: neverAborted }));
  assert.equal(events.at(-1), { type: 'finish', reason: 'stop' });
  assert.equal(body(0), {
    contents: [
      { role: 'user', parts: [{ text: 'Time in Tokyo and Paris?' }] },
      {
        role: 'model',
        parts: [
          { text: 'Checking.' },
          { functionCall: { name: 'current_time', args: { zone: 'Asia/Tokyo' }, id: 'fc_1' }, thoughtSignature: 'sig-A' },
          // Broken arguments cannot be an args object: `{}`; the made-up id is not Gemini's, so it stays home.
          { functionCall: { name: 'current_time', args: {} } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'current_time', id: 'fc_1', response: { result: '{"time":"14:02"}' } } },
          { functionResponse: { name: 'current_time', response: { error: 'arguments are not valid JSON' } } },
        ],
      },
    ],
    systemInstruction: { parts: [{ text: 'Be brief.' }] },
    tools: [
      { functionDeclarations: [{ name: 'current_time', description: 'The time in a zone.', parametersJsonSchema: timeTool.parameters }] },
    ],
    toolConfig: { functionCallingConfig: { mode: 'ANY' } },
    generationConfig: {},
  });
});

test('Gemini 3 refuses a current-turn functionCall without its thoughtSignature (400): "never" drops it, and fails', async () => {
  const { events, error } = await collectUntilFailure(
    provider({ reasoning_pass_back: 'never' }).stream(followUp, { signal: neverAborted }),
  );
  assert.equal(events, []);
  assert.is(error.code, 'UPSTREAM_FAILED');
  assert.match(error.message, 'Function call is missing a thought_signature in functionCall parts');
  assert.match(error.message, 'default_api:current_time` , position 3');
  // "always" sends the thought text too, as a thought part before the step's text.
  server.defaultReply = { chunks: ['ok'], usage: null };
  await collect(provider({ reasoning_pass_back: 'always' }).stream(followUp, { signal: neverAborted }));
  const model = (body(1)['contents'] as Array<{ parts: unknown[] }>)[1];
  assert.equal(model?.parts.slice(0, 3), [
    { text: 'Two zones.', thought: true },
    { text: 'Checking.' },
    { functionCall: { name: 'current_time', args: { zone: 'Asia/Tokyo' }, id: 'fc_1' }, thoughtSignature: 'sig-A' },
  ]);
  // A finished turn is no longer current: the next question goes through without signatures.
  await collect(
    provider({ reasoning_pass_back: 'never' }).stream(
      { messages: [...followUp.messages, { role: 'assistant', content: '14:02.' }, { role: 'user', content: 'Thanks' }] },
      { signal: neverAborted },
    ),
  );
  assert.is(server.requests.length, 3);
});

test('a whole loop through complete(): the call comes back with its signature and the request passes', async () => {
  server.enqueue(
    { toolCalls: [{ name: 'add', arguments: '{"a":1,"b":2}', thoughtSignature: 'sig-Z' }], usage: null },
    { chunks: ['3'], usage: null },
  );
  const gemini = provider();
  const first = await gemini.complete(ask, { signal: neverAborted });
  const id = first.tool_calls[0]?.id ?? '';
  assert.equal(first, {
    content: '',
    reasoning: '',
    reasoning_blocks: [],
    tool_calls: [{ id, name: 'add', arguments: '{"a":1,"b":2}', thought_signature: 'sig-Z' }],
    usage: null,
    finish_reason: 'tool_calls',
    model: 'gemini-3-test',
  });
  const second = await gemini.complete(
    {
      ...ask,
      messages: [
        ...ask.messages,
        { role: 'assistant', content: '', tool_calls: first.tool_calls },
        { role: 'tool', content: '3', tool_call_id: id, tool_name: 'add' },
      ],
    },
    { signal: neverAborted },
  );
  assert.is(second.content, '3');
  assert.equal((body(1)['contents'] as unknown[]).slice(1), [
    { role: 'model', parts: [{ functionCall: { name: 'add', args: { a: 1, b: 2 } }, thoughtSignature: 'sig-Z' }] },
    { role: 'user', parts: [{ functionResponse: { name: 'add', response: { result: '3' } } }] },
  ]);
});

test.run();
