import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createLlmService } from '../../src/llm/llm-service.js';
import type { ChatMessage, ChatRequest, ProviderEvent, ToolSpec } from '../../src/llm/provider.js';
import { fakeSignature, startFakeAnthropic, type FakeServer } from '../helpers/fake-anthropic.js';
import { capturingLogger, collect, collectUntilFailure, neverAborted } from './llm-test-kit.js';

let server: FakeServer;

function provider(extra: Record<string, unknown> = {}) {
  const llm = createLlmService({ root: process.cwd(), logger: capturingLogger(), env: {} });
  return llm.provider(
    llm.inlineConfig({ provider: 'anthropic', base_url: server.baseUrl, model: 'claude-test', api_key: 'sk-ant-tools', ...extra }),
  );
}
const thinkingOn = { thinking: { budget_tokens: 1024 }, max_tokens: 2048 };

const timeTool: ToolSpec = {
  name: 'current_time',
  description: 'The time in a zone.',
  parameters: { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] },
};
const addTool: ToolSpec = { name: 'add', description: 'Adds.', parameters: { type: 'object', properties: {} } };
const ask: ChatRequest = { messages: [{ role: 'user', content: 'Time in Tokyo and Paris?' }], tools: [timeTool, addTool] };
const body = (index: number) => server.requests[index]?.body as Record<string, unknown>;

const thinking = { type: 'thinking' as const, thinking: 'Two zones.', signature: fakeSignature };
const redacted = { type: 'redacted_thinking' as const, data: 'EmwKAhgBEgy3va3pzix/LafPsn4a' };

/** An earlier finished turn whose step thought too, then the current turn: one step, its two results. */
const followUp: ChatRequest = {
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Add 1 and 2.' },
    {
      role: 'assistant',
      content: '',
      reasoning: 'Adding.',
      reasoning_blocks: [{ type: 'thinking', thinking: 'Adding.', signature: fakeSignature }],
      tool_calls: [{ id: 'toolu_0', name: 'add', arguments: '{"a":1,"b":2}' }],
    },
    { role: 'tool', content: '3', tool_call_id: 'toolu_0', tool_name: 'add' },
    { role: 'assistant', content: '3.' },
    ...ask.messages,
    {
      role: 'assistant',
      content: 'Checking.',
      reasoning: 'Two zones.',
      reasoning_blocks: [redacted, thinking],
      tool_calls: [
        { id: 'toolu_1', name: 'current_time', arguments: '{"zone":"Asia/Tokyo"}' },
        { id: 'toolu_2', name: 'current_time', arguments: '{"zone": "Europe/Par' },
      ],
    },
    { role: 'tool', content: '{"time":"14:02"}', tool_call_id: 'toolu_1', tool_name: 'current_time' },
    { role: 'tool', content: 'arguments are not valid JSON', tool_call_id: 'toolu_2', tool_name: 'current_time', is_error: true },
  ],
  tools: [timeTool],
  tool_choice: 'auto',
};

const test = suite('anthropic provider: tool calls and thinking blocks');

test.before(async () => {
  server = await startFakeAnthropic();
});
test.before.each(() => server.reset());
test.after(() => server.close());

test('tool_use blocks with input in many input_json_delta pieces, one broken; thinking and redacted blocks kept whole', async () => {
  server.defaultReply = {
    redactedThinking: redacted.data,
    reasoningChunks: ['Two ', 'zones.'],
    chunks: ['Checking.'],
    toolCalls: [
      { id: 'toolu_1', name: 'current_time', arguments: '{"zone":"Asia/Tokyo"}', pieces: ['', '{"zone"', ': "Asia', '/Tokyo"}'] },
      { id: 'toolu_2', name: 'current_time', arguments: '{"zone": "Europe/Par', pieces: ['{"zone": "Eur', 'ope/Par'] },
      { id: 'toolu_3', name: 'add', arguments: '', pieces: [] },
    ],
    usage: { prompt: 50, completion: 40 },
  };
  assert.equal(await collect(provider(thinkingOn).stream(ask, { signal: neverAborted })), [
    { type: 'model', model: 'claude-test' },
    { type: 'reasoning_block', block: redacted },
    { type: 'reasoning', text: 'Two ' },
    { type: 'reasoning', text: 'zones.' },
    { type: 'reasoning_block', block: thinking },
    { type: 'text', text: 'Checking.' },
    { type: 'tool_call', call: { id: 'toolu_1', name: 'current_time', arguments: '{"zone": "Asia/Tokyo"}' } },
    { type: 'tool_call', call: { id: 'toolu_2', name: 'current_time', arguments: '{"zone": "Europe/Par' } },
    // No fragments at all: the input the block opened with.
    { type: 'tool_call', call: { id: 'toolu_3', name: 'add', arguments: '{}' } },
    { type: 'finish', reason: 'tool_calls' },
    { type: 'usage', usage: { prompt_tokens: 50, completion_tokens: 40, total_tokens: 90 } },
  ] satisfies ProviderEvent[]);
  assert.equal(body(0)['tools'], [
    { name: 'current_time', description: 'The time in a zone.', input_schema: timeTool.parameters },
    { name: 'add', description: 'Adds.', input_schema: addTool.parameters },
  ]);
  assert.is(body(0)['tool_choice'], undefined);
});

test('tool_choice in the Anthropic shape; custom_params cannot replace the offered tools', async () => {
  server.defaultReply = { chunks: ['ok'], usage: null };
  for (const choice of ['auto', 'none', 'required', { name: 'add' }] as const) {
    await collect(
      provider({ custom_params: { tool_choice: { type: 'auto' }, tools: [] } }).stream(
        { ...ask, tool_choice: choice },
        { signal: neverAborted },
      ),
    );
  }
  assert.equal(
    server.requests.map((request) => [
      (request.body as Record<string, unknown>)['tool_choice'],
      ((request.body as Record<string, unknown>)['tools'] as unknown[]).length,
    ]),
    [
      [{ type: 'auto' }, 2],
      [{ type: 'none' }, 2],
      [{ type: 'any' }, 2],
      [{ type: 'tool', name: 'add' }, 2],
    ],
  );
});

test('the follow-up request: current-turn step = its blocks as received, text, tool_use; results one user turn; older thinking left out', async () => {
  server.defaultReply = { chunks: ['14:02 in Tokyo.'], usage: null };
  const events = await collect(provider(thinkingOn).stream(followUp, { signal: neverAborted }));
  assert.equal(events.at(-2), { type: 'finish', reason: 'stop' });
  assert.equal(body(0), {
    model: 'claude-test',
    max_tokens: 2048,
    system: 'Be brief.',
    stream: true,
    thinking: { type: 'enabled', budget_tokens: 1024 },
    messages: [
      { role: 'user', content: 'Add 1 and 2.' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_0', name: 'add', input: { a: 1, b: 2 } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_0', content: '3' }] },
      { role: 'assistant', content: '3.' },
      { role: 'user', content: 'Time in Tokyo and Paris?' },
      {
        role: 'assistant',
        content: [
          redacted,
          thinking,
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'toolu_1', name: 'current_time', input: { zone: 'Asia/Tokyo' } },
          // Broken arguments cannot be an input object: `{}`.
          { type: 'tool_use', id: 'toolu_2', name: 'current_time', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: '{"time":"14:02"}' },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: 'arguments are not valid JSON', is_error: true },
        ],
      },
    ],
    tools: [{ name: 'current_time', description: 'The time in a zone.', input_schema: timeTool.parameters }],
    tool_choice: { type: 'auto' },
  });
});

test('the API refuses a tool loop whose current step lost its thinking (400): "never" drops it; a block without its signature too', async () => {
  const never = await collectUntilFailure(
    provider({ ...thinkingOn, reasoning_pass_back: 'never' }).stream(followUp, { signal: neverAborted }),
  );
  assert.equal(never.events, []);
  assert.is(never.error.code, 'UPSTREAM_FAILED');
  assert.match(never.error.message, 'messages.5.content.0.type: Expected `thinking` or `redacted_thinking`, but found `text`.');
  const unsigned = followUp.messages.map((message): ChatMessage =>
    message.reasoning_blocks?.includes(thinking) ? { ...message, reasoning_blocks: [{ ...thinking, signature: '' }] } : message,
  );
  const bad = await collectUntilFailure(provider(thinkingOn).stream({ ...followUp, messages: unsigned }, { signal: neverAborted }));
  assert.match(bad.error.message, 'messages.5.content.0: Invalid `signature` in `thinking` block');
  // Once the user speaks again the loop is over: no thinking goes back, and none is needed.
  server.defaultReply = { chunks: ['ok'], usage: null };
  const next = [...followUp.messages, { role: 'assistant' as const, content: '14:02.' }, { role: 'user' as const, content: 'Thanks' }];
  await collect(provider(thinkingOn).stream({ messages: next }, { signal: neverAborted }));
  // No tools offered any more, but calls in the history: the API wants them declared, so they are, unusable.
  assert.equal(
    [body(2)['tools'], body(2)['tool_choice']],
    [
      [
        { name: 'add', description: 'Not offered in this request.', input_schema: { type: 'object' } },
        { name: 'current_time', description: 'Not offered in this request.', input_schema: { type: 'object' } },
      ],
      { type: 'none' },
    ],
  );
  const sent = body(2)['messages'] as Array<{ content: unknown }>;
  assert.equal(sent[5]?.content, [
    { type: 'text', text: 'Checking.' },
    { type: 'tool_use', id: 'toolu_1', name: 'current_time', input: { zone: 'Asia/Tokyo' } },
    { type: 'tool_use', id: 'toolu_2', name: 'current_time', input: {} },
  ]);
});

test('a whole loop through complete(): the blocks and calls of a non-streamed answer go back and the fake accepts them', async () => {
  server.enqueue(
    { reasoningChunks: ['Need the time.'], toolCalls: [{ id: 'toolu_9', name: 'current_time', arguments: '{"zone":"UTC"}' }], usage: null },
    { chunks: ['Noon.'], usage: null },
  );
  const claude = provider(thinkingOn);
  const first = await claude.complete(ask, { signal: neverAborted });
  assert.equal(first, {
    content: '',
    reasoning: 'Need the time.',
    reasoning_blocks: [{ type: 'thinking', thinking: 'Need the time.', signature: fakeSignature }],
    tool_calls: [{ id: 'toolu_9', name: 'current_time', arguments: '{"zone":"UTC"}' }],
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    finish_reason: 'tool_calls',
    model: 'claude-test',
  });
  const second = await claude.complete(
    {
      ...ask,
      messages: [
        ...ask.messages,
        {
          role: 'assistant',
          content: first.content,
          reasoning: first.reasoning,
          reasoning_blocks: first.reasoning_blocks,
          tool_calls: first.tool_calls,
        },
        { role: 'tool', content: '12:00', tool_call_id: 'toolu_9', tool_name: 'current_time' },
      ],
    },
    { signal: neverAborted },
  );
  assert.is(second.content, 'Noon.');
  assert.equal((body(1)['messages'] as unknown[]).slice(1), [
    {
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'Need the time.', signature: fakeSignature },
        { type: 'tool_use', id: 'toolu_9', name: 'current_time', input: { zone: 'UTC' } },
      ],
    },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_9', content: '12:00' }] },
  ]);
});

test.run();
