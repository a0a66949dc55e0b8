import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createLlmService } from '../../src/llm/llm-service.js';
import type { ChatRequest, ProviderEvent, ToolSpec } from '../../src/llm/provider.js';
import { deepseekMissingReasoning, deepseekReasonerRefusal, startFakeOpenAi, type FakeServer } from '../helpers/fake-openai.js';
import { capturingLogger, collect, collectUntilFailure, neverAborted } from './llm-test-kit.js';

let server: FakeServer;

function provider(extra: Record<string, unknown> = {}) {
  const llm = createLlmService({ root: process.cwd(), logger: capturingLogger(), env: {} });
  return llm.provider(
    llm.inlineConfig({ provider: 'openai_compatible', base_url: server.baseUrl, model: 'gpt-test', api_key: 'sk-tools-test', ...extra }),
  );
}

const timeTool: ToolSpec = {
  name: 'current_time',
  description: 'The time in a zone.',
  parameters: { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] },
};
const addTool: ToolSpec = { name: 'add', description: 'Adds.', parameters: { type: 'object', properties: {} } };
const ask: ChatRequest = { messages: [{ role: 'user', content: 'Time in Tokyo and Paris?' }], tools: [timeTool, addTool] };
const requestBody = (index: number) => server.requests[index]?.body as Record<string, unknown>;

/** A finished tool loop's first step, as the loop hands it back: the step, then one result per call. */
const followUp: ChatRequest = {
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Time in Tokyo and Paris?' },
    {
      role: 'assistant',
      content: '',
      reasoning: 'Two zones, two calls.',
      tool_calls: [
        { id: 'call_1', name: 'current_time', arguments: '{"zone":"Asia/Tokyo"}' },
        { id: 'call_2', name: 'current_time', arguments: '{"zone": "Europe/Par' },
      ],
    },
    { role: 'tool', content: '{"time":"14:02"}', tool_call_id: 'call_1', tool_name: 'current_time' },
    { role: 'tool', content: 'arguments are not valid JSON', tool_call_id: 'call_2', tool_name: 'current_time', is_error: true },
  ],
  tools: [timeTool],
  tool_choice: 'auto',
};

const test = suite('openai provider: tool calls');

test.before(async () => {
  server = await startFakeOpenAi();
});
test.before.each(() => server.reset());
test.after(() => server.close());

test('two parallel calls streamed round-robin, arguments in many pieces, one broken: assembled whole, in order, before finish', async () => {
  server.defaultReply = {
    chunks: ['Let me ', 'check.'],
    interleaveToolCalls: true,
    toolCalls: [
      { id: 'call_a', name: 'current_time', arguments: '{"zone":"Asia/Tokyo"}', pieces: ['{"zo', 'ne":', '"Asia/', 'Tokyo"', '}'] },
      { id: 'call_b', name: 'current_time', arguments: '{"zone": "Europe/Par', pieces: ['{"zone": ', '"Europe/Par'] },
    ],
    usage: { prompt: 20, completion: 30 },
  };
  assert.equal(await collect(provider().stream(ask, { signal: neverAborted })), [
    { type: 'model', model: 'gpt-test' },
    { type: 'text', text: 'Let me ' },
    { type: 'text', text: 'check.' },
    { type: 'tool_call', call: { id: 'call_a', name: 'current_time', arguments: '{"zone":"Asia/Tokyo"}' } },
    { type: 'tool_call', call: { id: 'call_b', name: 'current_time', arguments: '{"zone": "Europe/Par' } },
    { type: 'finish', reason: 'tool_calls' },
    { type: 'usage', usage: { prompt_tokens: 20, completion_tokens: 30, total_tokens: 50 } },
  ] satisfies ProviderEvent[]);
  assert.equal(requestBody(0), {
    model: 'gpt-test',
    messages: [{ role: 'user', content: 'Time in Tokyo and Paris?' }],
    stream: true,
    stream_options: { include_usage: true },
    tools: [
      { type: 'function', function: timeTool },
      { type: 'function', function: addTool },
    ],
  });
});

test('complete() without streaming reads message.tool_calls', async () => {
  server.defaultReply = {
    toolCalls: [
      { id: 'call_x', name: 'add', arguments: '{}' },
      { id: 'call_y', name: 'current_time', arguments: '{"zone":"UTC"}' },
    ],
    usage: null,
  };
  assert.equal(await provider({ stream: false }).complete(ask, { signal: neverAborted }), {
    content: '',
    reasoning: '',
    reasoning_blocks: [],
    tool_calls: [
      { id: 'call_x', name: 'add', arguments: '{}' },
      { id: 'call_y', name: 'current_time', arguments: '{"zone":"UTC"}' },
    ],
    usage: null,
    finish_reason: 'tool_calls',
    model: 'gpt-test',
  });
  assert.is(requestBody(0)['stream'], false);
});

test('tool_choice in the OpenAI shape; custom_params cannot replace the offered tools but adds beside them', async () => {
  server.defaultReply = { chunks: ['ok'], usage: null };
  const choices = ['auto', 'none', 'required', { name: 'add' }] as const;
  for (const choice of choices) {
    await collect(
      provider({ custom_params: { tools: [], tool_choice: 'none', parallel_tool_calls: false } }).stream(
        { ...ask, tool_choice: choice },
        { signal: neverAborted },
      ),
    );
  }
  assert.equal(
    server.requests.map((request) => {
      const body = request.body as Record<string, unknown>;
      return [body['tool_choice'], (body['tools'] as unknown[]).length, body['parallel_tool_calls']];
    }),
    [
      ['auto', 2, false],
      ['none', 2, false],
      ['required', 2, false],
      [{ type: 'function', function: { name: 'add' } }, 2, false],
    ],
  );
  // No tools offered: custom_params' own tools go through as before.
  await collect(
    provider({ custom_params: { tools: [{ type: 'function', function: { name: 'x' } }] } }).stream(
      { messages: ask.messages },
      { signal: neverAborted },
    ),
  );
  assert.equal(requestBody(4)['tools'], [{ type: 'function', function: { name: 'x' } }]);
  assert.is(requestBody(4)['tool_choice'], undefined);
});

test('the follow-up request: the step as an assistant message with tool_calls (content null), then one tool message per call', async () => {
  server.defaultReply = { chunks: ['It is 14:02 in Tokyo.'], usage: null };
  const events = await collect(provider().stream(followUp, { signal: neverAborted }));
  assert.equal(events.at(-1), { type: 'finish', reason: 'stop' });
  assert.equal(requestBody(0), {
    model: 'gpt-test',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Time in Tokyo and Paris?' },
      {
        role: 'assistant',
        content: null,
        reasoning_content: 'Two zones, two calls.',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'current_time', arguments: '{"zone":"Asia/Tokyo"}' } },
          { id: 'call_2', type: 'function', function: { name: 'current_time', arguments: '{"zone": "Europe/Par' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '{"time":"14:02"}' },
      { role: 'tool', tool_call_id: 'call_2', content: 'arguments are not valid JSON' },
    ],
    stream: true,
    stream_options: { include_usage: true },
    tools: [{ type: 'function', function: timeTool }],
    tool_choice: 'auto',
  });
});

test('a step with text keeps it as content beside its tool_calls', async () => {
  server.defaultReply = { chunks: ['ok'], usage: null };
  const step = { ...followUp.messages[2]!, content: 'Let me check.' };
  await collect(
    provider().stream({ ...followUp, messages: [followUp.messages[1]!, step, followUp.messages[3]!] }, { signal: neverAborted }),
  );
  const messages = requestBody(0)['messages'] as Array<Record<string, unknown>>;
  assert.is(messages[1]?.['content'], 'Let me check.');
});

test('DeepSeek thinking mode: a tool-call turn without its reasoning_content is refused (400), as the real API does', async () => {
  const deepseek = (extra: Record<string, unknown> = {}) => provider({ model: 'deepseek-reasoner', ...extra });
  const earlier: ChatRequest = {
    ...followUp,
    messages: [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello.', reasoning: 'A greeting.' },
      ...followUp.messages.slice(1),
    ],
  };
  // Default policy: the plain turn's reasoning stays home, the tool-call turn's goes back; the request passes.
  server.defaultReply = { reasoningChunks: ['Done.'], chunks: ['14:02.'], usage: null };
  const events = await collect(deepseek().stream(earlier, { signal: neverAborted }));
  assert.equal(events.at(-1), { type: 'finish', reason: 'stop' });
  const sent = (requestBody(0)['messages'] as Array<Record<string, unknown>>).map((message) => message['reasoning_content']);
  assert.equal(sent, [undefined, undefined, undefined, 'Two zones, two calls.', undefined, undefined]);
  // "never": the tool-call turn goes without it, and the fake answers what DeepSeek answers.
  const never = await collectUntilFailure(deepseek({ reasoning_pass_back: 'never' }).stream(earlier, { signal: neverAborted }));
  assert.equal(never.events, []);
  assert.is(never.error.code, 'UPSTREAM_FAILED');
  assert.match(never.error.message, deepseekMissingReasoning);
  // "always": the plain turn's reasoning goes too, which deepseek-reasoner refuses.
  const always = await collectUntilFailure(deepseek({ reasoning_pass_back: 'always' }).stream(earlier, { signal: neverAborted }));
  assert.match(always.error.message, deepseekReasonerRefusal);
});

test('DeepSeek: reasoning streamed before the calls; the whole loop round-trips through complete()', async () => {
  server.enqueue(
    {
      reasoningChunks: ['Need ', 'the time.'],
      toolCalls: [{ id: 'call_9', name: 'current_time', arguments: '{"zone":"UTC"}' }],
      usage: null,
    },
    { reasoningChunks: ['Got it.'], chunks: ['It is noon.'], usage: null },
  );
  const deepseek = provider({ model: 'deepseek-reasoner' });
  const first = await deepseek.complete(ask, { signal: neverAborted });
  assert.equal(first, {
    content: '',
    reasoning: 'Need the time.',
    reasoning_blocks: [],
    tool_calls: [{ id: 'call_9', name: 'current_time', arguments: '{"zone":"UTC"}' }],
    usage: null,
    finish_reason: 'tool_calls',
    model: 'deepseek-reasoner',
  });
  const second = await deepseek.complete(
    {
      ...ask,
      messages: [
        ...ask.messages,
        { role: 'assistant', content: first.content, reasoning: first.reasoning, tool_calls: first.tool_calls },
        { role: 'tool', content: '12:00', tool_call_id: 'call_9', tool_name: 'current_time' },
      ],
    },
    { signal: neverAborted },
  );
  assert.is(second.content, 'It is noon.');
  assert.equal((requestBody(1)['messages'] as unknown[]).slice(1), [
    {
      role: 'assistant',
      content: null,
      reasoning_content: 'Need the time.',
      tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'current_time', arguments: '{"zone":"UTC"}' } }],
    },
    { role: 'tool', tool_call_id: 'call_9', content: '12:00' },
  ]);
});

test('a server that gives no call id, says "stop", or never sends a finish reason: ids made up, finish is tool_calls', async () => {
  server.defaultReply = { toolCalls: [{ id: '', name: 'add', arguments: '{}' }], finishReason: 'stop', usage: null };
  const stopped = await collect(provider().stream(ask, { signal: neverAborted }));
  const call = stopped.find((event) => event.type === 'tool_call');
  assert.ok(call?.type === 'tool_call' && /^call_bf_[0-9a-f]{24}$/.test(call.call.id), JSON.stringify(call));
  assert.equal(stopped.slice(1), [
    { type: 'tool_call', call: { id: call?.type === 'tool_call' ? call.call.id : '', name: 'add', arguments: '{}' } },
    { type: 'finish', reason: 'tool_calls' },
  ]);
  server.defaultReply = {
    toolCalls: [{ id: 'call_1', name: 'add', arguments: '{"a":', pieces: ['{"a":', ''] }],
    finishReason: '',
    usage: null,
  };
  assert.equal(await collect(provider().stream(ask, { signal: neverAborted })), [
    { type: 'model', model: 'gpt-test' },
    { type: 'tool_call', call: { id: 'call_1', name: 'add', arguments: '{"a":' } },
    { type: 'finish', reason: 'tool_calls' },
  ] satisfies ProviderEvent[]);
});

test.run();
