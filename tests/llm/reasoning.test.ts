import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createLlmService } from '../../src/llm/llm-service.js';
import type { ChatRequest, ProviderEvent } from '../../src/llm/provider.js';
import {
  anthropicBlocksToSend,
  currentTurnStart,
  geminiSignaturesToSend,
  geminiThoughtToSend,
  reasoningPolicy,
  reasoningToSend,
} from '../../src/llm/reasoning-policy.js';
import { deepseekReasonerRefusal, startFakeOpenAi, type FakeServer } from '../helpers/fake-openai.js';
import { startFakeGemini } from '../helpers/fake-gemini.js';
import { capturingLogger, collect, collectUntilFailure, neverAborted } from './llm-test-kit.js';

let openAi: FakeServer;
let gemini: FakeServer;

function provider(config: Record<string, unknown>) {
  const llm = createLlmService({ root: process.cwd(), logger: capturingLogger(), env: {} });
  return llm.provider(llm.inlineConfig(config));
}
const deepseek = (extra: Record<string, unknown> = {}) =>
  provider({ provider: 'openai_compatible', base_url: openAi.baseUrl, model: 'deepseek-reasoner', api_key: 'k', ...extra });
const geminiProvider = (extra: Record<string, unknown> = {}) =>
  provider({ provider: 'gemini', base_url: gemini.baseUrl, model: 'gemini-test', api_key: 'k', ...extra });

/** A conversation whose earlier assistant turn reasoned (an ordinary turn: no tool calls). */
const followUp: ChatRequest = {
  messages: [
    { role: 'user', content: 'What is 2+2?' },
    { role: 'assistant', content: '4', reasoning: 'Two and two make four.' },
    { role: 'user', content: 'And 3+3?' },
  ],
};
const hi: ChatRequest = { messages: [{ role: 'user', content: 'Hi' }] };

const test = suite('reasoning: streamed, counted, and sent back per provider policy');

test.before(async () => {
  openAi = await startFakeOpenAi();
  gemini = await startFakeGemini();
});
test.before.each(() => {
  openAi.reset();
  gemini.reset();
});
test.after(async () => {
  await openAi.close();
  await gemini.close();
});

test('DeepSeek reasoning_content deltas stream as reasoning before the text; reasoning tokens are reported', async () => {
  openAi.defaultReply = {
    reasoningChunks: ['Let me ', 'think.'],
    chunks: ['Fo', 'ur'],
    usage: { prompt: 9, completion: 20, reasoning: 15 },
  };
  assert.equal(await collect(deepseek().stream(hi, { signal: neverAborted })), [
    { type: 'model', model: 'deepseek-reasoner' },
    { type: 'reasoning', text: 'Let me ' },
    { type: 'reasoning', text: 'think.' },
    { type: 'text', text: 'Fo' },
    { type: 'text', text: 'ur' },
    { type: 'finish', reason: 'stop' },
    { type: 'usage', usage: { prompt_tokens: 9, completion_tokens: 20, total_tokens: 29, reasoning_tokens: 15 } },
  ] satisfies ProviderEvent[]);
});

test('the `reasoning` delta field (vLLM, OpenRouter) is reasoning too; complete() keeps it apart from the content', async () => {
  openAi.defaultReply = { reasoningChunks: ['Hmm', '.'], reasoningField: 'reasoning', chunks: ['Yes'], usage: null };
  const events = await collect(deepseek({ model: 'qwen3' }).stream(hi, { signal: neverAborted }));
  assert.equal(
    events.filter((event) => event.type === 'reasoning'),
    [
      { type: 'reasoning', text: 'Hmm' },
      { type: 'reasoning', text: '.' },
    ],
  );
  assert.equal(await deepseek({ model: 'qwen3' }).complete(hi, { signal: neverAborted }), {
    content: 'Yes',
    reasoning: 'Hmm.',
    reasoning_blocks: [],
    tool_calls: [],
    usage: null,
    finish_reason: 'stop',
    model: 'qwen3',
  });
});

test('deepseek-reasoner: reasoning of an ordinary turn is not sent back (the default policy), so the request succeeds', async () => {
  openAi.defaultReply = { chunks: ['6'], usage: null };
  const events = await collect(deepseek().stream(followUp, { signal: neverAborted }));
  assert.equal(events.at(-1), { type: 'finish', reason: 'stop' });
  assert.equal((openAi.requests[0]?.body as { messages: unknown }).messages, [
    { role: 'user', content: 'What is 2+2?' },
    { role: 'assistant', content: '4' },
    { role: 'user', content: 'And 3+3?' },
  ]);
});

test('reasoning_pass_back "always" sends reasoning_content, and deepseek-reasoner answers 400 as the real API does', async () => {
  const { events, error } = await collectUntilFailure(
    deepseek({ reasoning_pass_back: 'always' }).stream(followUp, { signal: neverAborted }),
  );
  assert.equal(events, []);
  assert.is(error.code, 'UPSTREAM_FAILED');
  assert.match(error.message, deepseekReasonerRefusal);
  assert.equal((openAi.requests[0]?.body as { messages: unknown }).messages, [
    { role: 'user', content: 'What is 2+2?' },
    { role: 'assistant', content: '4', reasoning_content: 'Two and two make four.' },
    { role: 'user', content: 'And 3+3?' },
  ]);
  // A server that takes it back (a thinking-mode model) gets it.
  openAi.defaultReply = { chunks: ['6'], usage: null };
  await collect(deepseek({ model: 'deepseek-chat', reasoning_pass_back: 'always' }).stream(followUp, { signal: neverAborted }));
  assert.equal((openAi.requests[1]?.body as { messages: Array<Record<string, unknown>> }).messages[1], {
    role: 'assistant',
    content: '4',
    reasoning_content: 'Two and two make four.',
  });
});

test('the policy per provider and its override: only tool-call turns by default', () => {
  const plain = followUp.messages[1]!;
  const toolTurn = { ...plain, tool_calls: [{ id: 'call_1', name: 'add', arguments: '{}' }] };
  for (const name of ['openai', 'openai_compatible', 'gemini', 'anthropic']) {
    assert.equal(reasoningPolicy(name, undefined), { plainTurns: false, toolTurns: true }, name);
    assert.is(reasoningToSend(plain, reasoningPolicy(name, undefined)), undefined);
    assert.is(reasoningToSend(toolTurn, reasoningPolicy(name, undefined)), 'Two and two make four.');
  }
  assert.equal(reasoningPolicy('openai', 'never'), { plainTurns: false, toolTurns: false });
  assert.is(reasoningToSend(toolTurn, reasoningPolicy('openai', 'never')), undefined);
  assert.is(reasoningToSend(plain, reasoningPolicy('gemini', 'always')), 'Two and two make four.');
  assert.is(reasoningToSend(followUp.messages[0]!, reasoningPolicy('gemini', 'always')), undefined);
});

test('the Gemini and Anthropic rules: signatures on tool-call steps; thinking blocks of the current turn only', () => {
  const blocks = [{ type: 'redacted_thinking' as const, data: 'r' }];
  const step = {
    role: 'assistant' as const,
    content: '',
    reasoning: 'R',
    reasoning_blocks: blocks,
    tool_calls: [{ id: 'c', name: 'f', arguments: '{}' }],
  };
  const plain = { role: 'assistant' as const, content: 'A', reasoning: 'R', reasoning_blocks: blocks };
  const table = (['never', 'tool_turns', 'always'] as const).map((value) => {
    const policy = reasoningPolicy('anthropic', value);
    return [
      value,
      geminiSignaturesToSend(step, policy),
      geminiSignaturesToSend(plain, policy),
      geminiThoughtToSend(step, policy) ?? null,
      anthropicBlocksToSend(step, true, policy).length,
      anthropicBlocksToSend(step, false, policy).length,
      anthropicBlocksToSend(plain, true, policy).length,
    ];
  });
  assert.equal(table, [
    ['never', false, false, null, 0, 0, 0],
    ['tool_turns', true, false, null, 1, 0, 0],
    ['always', true, false, 'R', 1, 1, 1],
  ]);
  assert.is(currentTurnStart([{ role: 'user', content: 'a' }, step, { role: 'tool', content: 'x', tool_call_id: 'c' }]), 1);
  assert.is(currentTurnStart([step]), 0);
});

test('Gemini: thinking.include_thoughts asks for thoughts; thought parts stream as reasoning; thoughtsTokenCount is counted', async () => {
  gemini.defaultReply = { reasoningChunks: ['Thinking'], chunks: ['Hello'], usage: { prompt: 4, completion: 10, reasoning: 7 } };
  const events = await collect(
    geminiProvider({ thinking: { include_thoughts: true, budget_tokens: 512 } }).stream(hi, { signal: neverAborted }),
  );
  assert.equal(events, [
    { type: 'model', model: 'gemini-test' },
    { type: 'reasoning', text: 'Thinking' },
    { type: 'text', text: 'Hello' },
    { type: 'finish', reason: 'stop' },
    { type: 'usage', usage: { prompt_tokens: 4, completion_tokens: 10, total_tokens: 14, reasoning_tokens: 7 } },
  ] satisfies ProviderEvent[]);
  assert.equal((gemini.requests[0]?.body as { generationConfig: unknown }).generationConfig, {
    thinkingConfig: { includeThoughts: true, thinkingBudget: 512 },
  });
});

test('Gemini without the switch asks for no thoughts and gets none', async () => {
  gemini.defaultReply = { reasoningChunks: ['Thinking'], chunks: ['Hello'], usage: null };
  const events = await collect(geminiProvider().stream(hi, { signal: neverAborted }));
  assert.equal(
    events.map((event) => event.type),
    ['model', 'text', 'finish'],
  );
  assert.equal((gemini.requests[0]?.body as { generationConfig?: unknown }).generationConfig, {});
});

test('Gemini: stored reasoning is not sent back by default; "always" sends it as a thought part', async () => {
  gemini.defaultReply = { chunks: ['6'], usage: null };
  await collect(geminiProvider().stream(followUp, { signal: neverAborted }));
  await collect(geminiProvider({ reasoning_pass_back: 'always' }).stream(followUp, { signal: neverAborted }));
  const contents = (index: number) => (gemini.requests[index]?.body as { contents: unknown }).contents;
  assert.equal(contents(0), [
    { role: 'user', parts: [{ text: 'What is 2+2?' }] },
    { role: 'model', parts: [{ text: '4' }] },
    { role: 'user', parts: [{ text: 'And 3+3?' }] },
  ]);
  assert.equal(contents(1), [
    { role: 'user', parts: [{ text: 'What is 2+2?' }] },
    { role: 'model', parts: [{ text: 'Two and two make four.', thought: true }, { text: '4' }] },
    { role: 'user', parts: [{ text: 'And 3+3?' }] },
  ]);
});

test.run();
