/**
 * The tool loop through the whole engine, over HTTP and SSE, against fake providers driven through the real SDKs:
 * the event sequence, the saved node and the exact follow-up request, for two steps with parallel calls; bad
 * arguments, an unknown tool, max_steps, approval, abort mid-tool, and the Gemini wire's signatures.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineStep } from '../../../src/registry/define-step.js';
import { events, resetWorld, startWorld, waitFor, type WireEvent, type WorkflowWorld } from './workflow-kit.js';

const add = defineStep<{ a: number; b: number }, { sum: number }>({
  path: 'workflow/test_tools/add',
  summary: 'Add two numbers.',
  tool: true,
  input: {
    type: 'object',
    properties: { a: { type: 'number' }, b: { type: 'number' } },
    required: ['a', 'b'],
    additionalProperties: false,
  },
  output: { type: 'object', properties: { sum: { type: 'number' } }, required: ['sum'] },
  async run({ a, b }) {
    return { sum: a + b };
  },
});

/** Runs until its signal aborts: a tool that is still working when the generation is stopped. */
let waitingStarted = 0;
const wait = defineStep<Record<string, never>, { done: true }>({
  path: 'workflow/test_tools/wait',
  summary: 'Waits until stopped.',
  tool: true,
  input: { type: 'object', properties: {}, additionalProperties: false },
  output: { type: 'object' },
  async run(_input, context) {
    waitingStarted++;
    await sleep(60_000, undefined, { signal: context.signal }).catch(() => undefined);
    return { done: true };
  },
});

const test = suite('the tool loop: calls, results, the node, the next request');
let world: WorkflowWorld;

test.before(async () => {
  world = await startWorld({ engine: { steps: [add, wait] } });
});
test.after(async () => {
  await world.close();
});
test.before.each(() => {
  resetWorld(world, 'What is 2+3 and 4+5?');
  world.root.writeConversation('test', world.doc(), { llm_config: world.openAiConfig });
  world.root.writeLlmConfig('fake_openai', {
    provider: 'openai_compatible',
    base_url: world.openAi.baseUrl,
    api_key: '${TEST_PROVIDER_KEY}',
    model: 'gpt-test',
    timeout: 5,
    connect_timeout: 5,
    tools: ['workflow/test_tools/add', 'workflow/test_tools/wait'],
  });
});

/** started_at and duration_ms vary: checked for their type, then set to fixed values so whole events compare. */
function steady(list: WireEvent[]): WireEvent[] {
  return list.map((event) => {
    if (event.type !== 'tool_result') return event;
    assert.match(event['started_at'] as string, /^\d{4}-\d\d-\d\dT/);
    assert.type(event['duration_ms'], 'number');
    return { ...event, started_at: 'T', duration_ms: 0 };
  });
}

function steadyNode(node: Record<string, unknown>): Record<string, unknown> {
  const { node_updated_at: _updated, meta, ...rest } = node;
  const { response_time: _time, ttft: _ttft, ...kept } = meta as Record<string, unknown>;
  const steps = (rest['tool_steps'] as Array<{ tool_calls: Array<Record<string, unknown>> }> | undefined)?.map((step) => ({
    ...step,
    tool_calls: step.tool_calls.map((call) => ({ ...call, started_at: 'T', duration_ms: 0 })),
  }));
  return { ...rest, ...(steps ? { tool_steps: steps } : {}), meta: kept };
}

const twoAdditions = {
  chunks: ['Let me add.'],
  toolCalls: [
    { id: 'call_a', name: 'workflow_test_tools_add', arguments: '{"a":2,"b":3}', pieces: ['{"a"', ':2,', '"b":3}'] },
    { id: 'call_b', name: 'workflow_test_tools_add', arguments: '{"a":4,"b":5}' },
  ],
  interleaveToolCalls: true,
};

test('two parallel calls, then the answer: the SSE sequence, the node, and the follow-up request as sent', async () => {
  world.openAi.enqueue(twoAdditions, { chunks: ['5 and ', '9.'], usage: { prompt: 40, completion: 4 } });
  const reply = await world.stream('workflow/chat_completion/complete_stream', { conversation_file: world.file, include_doc: 'false' });
  const received = steady(events(reply));
  const start = received[0]!;
  const nodeId = start['node_id'] as string;
  const usage = { prompt_tokens: 52, completion_tokens: 9, total_tokens: 61 };
  assert.equal(received, [
    {
      type: 'start',
      generation_id: start['generation_id'],
      conversation_file: world.file,
      parent_id: 'n_user',
      node_id: nodeId,
      hooks: [],
    },
    { type: 'chunk', content: 'Let me add.' },
    { type: 'tool_call', tool_call_id: 'call_a', tool_name: 'workflow/test_tools/add', arguments: { a: 2, b: 3 }, step: 1 },
    { type: 'tool_call', tool_call_id: 'call_b', tool_name: 'workflow/test_tools/add', arguments: { a: 4, b: 5 }, step: 1 },
    { type: 'tool_result', tool_call_id: 'call_a', status: 'ok', result: { sum: 5 }, started_at: 'T', duration_ms: 0 },
    { type: 'tool_result', tool_call_id: 'call_b', status: 'ok', result: { sum: 9 }, started_at: 'T', duration_ms: 0 },
    { type: 'step', step: 2 },
    { type: 'chunk', content: '5 and ' },
    { type: 'chunk', content: '9.' },
    { type: 'finish', finish_reason: 'stop' },
    { type: 'usage', usage },
    { type: 'saved', node_id: nodeId, usage },
    { type: 'end' },
  ]);
  const call = (id: string, a: number, b: number, sum: number) => ({
    id,
    name: 'workflow/test_tools/add',
    arguments: { a, b },
    status: 'ok',
    result: { sum },
    started_at: 'T',
    duration_ms: 0,
  });
  assert.equal(steadyNode(world.doc().nodes[nodeId]!), {
    pid: 'n_user',
    role: 'assistant',
    content: '5 and 9.',
    tool_steps: [{ content: 'Let me add.', tool_calls: [call('call_a', 2, 3, 5), call('call_b', 4, 5, 9)] }],
    meta: {
      generation_id: start['generation_id'],
      provider: 'openai_compatible',
      model: 'gpt-test',
      usage,
      finish_reason: 'stop',
    },
  });

  assert.is(world.openAi.requests.length, 2);
  const [first, second] = world.openAi.requests.map((request) => request.body as Record<string, unknown>);
  assert.equal(first!['tools'], [
    {
      type: 'function',
      function: {
        name: 'workflow_test_tools_add',
        description: 'Add two numbers.',
        parameters: add.input,
      },
    },
    {
      type: 'function',
      function: { name: 'workflow_test_tools_wait', description: 'Waits until stopped.', parameters: wait.input },
    },
  ]);
  const history = [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'What is 2+3 and 4+5?' },
    {
      role: 'assistant',
      content: 'Let me add.',
      tool_calls: [
        { id: 'call_a', type: 'function', function: { name: 'workflow_test_tools_add', arguments: '{"a":2,"b":3}' } },
        { id: 'call_b', type: 'function', function: { name: 'workflow_test_tools_add', arguments: '{"a":4,"b":5}' } },
      ],
    },
    { role: 'tool', tool_call_id: 'call_a', content: '{"sum":5}' },
    { role: 'tool', tool_call_id: 'call_b', content: '{"sum":9}' },
  ];
  assert.equal(second!['messages'], history);

  // The next turn: the stored node expands into the same messages, then its answer; a hand-edited result is what is sent.
  const doc = world.doc();
  (doc.nodes[nodeId]!['tool_steps'] as Array<{ tool_calls: Array<{ result: unknown }> }>)[0]!.tool_calls[1]!.result = { sum: 10 };
  doc.nodes['n_user2'] = { pid: nodeId, role: 'user', content: 'Sure?' };
  doc.active_path = [...doc.active_path, 'n_user2'];
  world.root.writeConversation('test', doc);
  world.openAi.enqueue({ chunks: ['Yes.'] });
  const again = await world.post<{ content: string }>('workflow/chat_completion/complete', {
    conversation_file: world.file,
    include_doc: false,
  });
  assert.is(again.status, 200);
  assert.equal((world.openAi.requests[2]!.body as { messages: unknown[] }).messages, [
    ...history.slice(0, 4),
    { role: 'tool', tool_call_id: 'call_b', content: '{"sum":10}' },
    { role: 'assistant', content: '5 and 9.' },
    { role: 'user', content: 'Sure?' },
  ]);
});

test('complete answers the tool steps in its JSON, as saved', async () => {
  world.openAi.enqueue({ toolCalls: [{ id: 'call_a', name: 'workflow_test_tools_add', arguments: '{"a":1,"b":1}' }] }, { chunks: ['2'] });
  const reply = await world.post<Record<string, unknown>>('workflow/chat_completion/complete', {
    conversation_file: world.file,
    include_doc: false,
  });
  assert.is(reply.status, 200);
  const saved = world.doc().nodes[reply.body['node_id'] as string]!;
  assert.is(reply.body['content'], '2');
  assert.equal(reply.body['tool_steps'], saved['tool_steps']);
  assert.equal(
    (saved['tool_steps'] as Array<{ tool_calls: Array<{ result: unknown }> }>)[0]!.tool_calls.map((call) => call.result),
    [{ sum: 2 }],
  );
});

test('arguments that are not JSON, or fail the schema, and an unknown tool: error results the model reads; the loop goes on', async () => {
  world.openAi.enqueue(
    {
      toolCalls: [
        { id: 'call_bad', name: 'workflow_test_tools_add', arguments: '{"a":2,' },
        { id: 'call_schema', name: 'workflow_test_tools_add', arguments: '{"a":"two"}' },
        { id: 'call_none', name: 'no_such_tool', arguments: '{}' },
      ],
    },
    { chunks: ['Sorry.'] },
  );
  const reply = await world.stream('workflow/chat_completion/complete_stream', { conversation_file: world.file, include_doc: 'false' });
  // Results come as each call finishes; compared here in the calls' order.
  const order = ['call_bad', 'call_schema', 'call_none'];
  const results = steady(events(reply))
    .filter((event) => event.type === 'tool_result' || event.type === 'tool_call')
    .sort((a, b) => (a.type === b.type ? order.indexOf(a['tool_call_id'] as string) - order.indexOf(b['tool_call_id'] as string) : 0));
  const jsonProblem = (() => {
    try {
      JSON.parse('{"a":2,');
      return '';
    } catch (error) {
      return (error as Error).message;
    }
  })();
  assert.equal(results, [
    { type: 'tool_call', tool_call_id: 'call_bad', tool_name: 'workflow/test_tools/add', arguments: '{"a":2,', step: 1 },
    { type: 'tool_call', tool_call_id: 'call_schema', tool_name: 'workflow/test_tools/add', arguments: { a: 'two' }, step: 1 },
    { type: 'tool_call', tool_call_id: 'call_none', tool_name: 'no_such_tool', arguments: {}, step: 1 },
    {
      type: 'tool_result',
      tool_call_id: 'call_bad',
      status: 'error',
      result: `the arguments of workflow/test_tools/add are not valid JSON (${jsonProblem}); call it again with a JSON object`,
      started_at: 'T',
      duration_ms: 0,
    },
    {
      type: 'tool_result',
      tool_call_id: 'call_schema',
      status: 'error',
      result: "input of workflow/test_tools/add is invalid: /b must have required property 'b'; /a must be number",
      started_at: 'T',
      duration_ms: 0,
    },
    {
      type: 'tool_result',
      tool_call_id: 'call_none',
      status: 'error',
      result: 'there is no tool no_such_tool; the tools offered are workflow_test_tools_add, workflow_test_tools_wait',
      started_at: 'T',
      duration_ms: 0,
    },
  ]);
  const followUp = world.openAi.requests[1]!.body as { messages: Array<Record<string, unknown>> };
  assert.equal(
    followUp.messages.filter((message) => message['role'] === 'tool').map((message) => message['tool_call_id']),
    ['call_bad', 'call_schema', 'call_none'],
  );
  const last = events(reply).at(-2)!;
  assert.equal(last['type'], 'saved');
});

test('max_steps: a model that keeps calling tools stops there, everything so far saved, finish_reason max_steps', async () => {
  world.openAi.defaultReply = { toolCalls: [{ id: 'call_again', name: 'workflow_test_tools_add', arguments: '{"a":1,"b":2}' }] };
  const reply = await world.post<Record<string, unknown>>('workflow/chat_completion/complete', {
    conversation_file: world.file,
    include_doc: false,
    max_steps: 2,
  });
  assert.is(reply.status, 200);
  assert.is(reply.body['finish_reason'], 'max_steps');
  assert.is(reply.body['content'], '');
  assert.is(world.openAi.requests.length, 2);
  const node = world.doc().nodes[reply.body['node_id'] as string]!;
  assert.is((node['tool_steps'] as unknown[]).length, 2);
  assert.is((node['meta'] as { finish_reason: string }).finish_reason, 'max_steps');
  // The turn was cut short, not a placeholder: the next completion replies under it instead of overwriting it.
  world.openAi.defaultReply = { chunks: ['Enough.'] };
  const next = await world.post<Record<string, unknown>>('workflow/chat_completion/complete', {
    conversation_file: world.file,
    include_doc: false,
    tools: [],
  });
  assert.is(next.status, 200);
  assert.is(next.body['parent_id'], reply.body['node_id']);
  assert.is((world.doc().nodes[reply.body['node_id'] as string]!['tool_steps'] as unknown[]).length, 2);
});

test('a tool name that names no tool is 422 UNKNOWN_TOOL naming it and where, before any provider call or write', async () => {
  const before = world.root.readText(world.file);
  const fromRequest = await world.post<{ error: { code: string; message: string } }>('workflow/chat_completion/complete', {
    conversation_file: world.file,
    tools: ['workflow/test_tools/add', 'mcp:nowhere/thing'],
  });
  assert.is(fromRequest.status, 422);
  assert.equal(fromRequest.body.error.code, 'UNKNOWN_TOOL');
  assert.match(fromRequest.body.error.message, 'tool mcp:nowhere/thing is not among the tools of data/llm_configs/fake_openai.json');

  world.root.writeLlmConfig('fake_openai', {
    provider: 'openai_compatible',
    base_url: world.openAi.baseUrl,
    api_key: '${TEST_PROVIDER_KEY}',
    model: 'gpt-test',
    tools: ['workflow/test_tools/sub'],
  });
  const fromConfig = await world.post<{ error: { code: string; message: string } }>('workflow/chat_completion/complete', {
    conversation_file: world.file,
  });
  assert.is(fromConfig.status, 422);
  assert.is(
    fromConfig.body.error.message,
    'no tool workflow/test_tools/sub (named in "tools" of data/llm_configs/fake_openai.json); see modules/tools/list',
  );
  const viaSend = await world.post<{ error: { code: string } }>('workflow/chat_completion/send', {
    conversation_file: world.file,
    content: 'Hi',
    tools: ['plugins/none/tool'],
  });
  assert.is(viaSend.status, 422);
  assert.is(viaSend.body.error.code, 'UNKNOWN_TOOL');
  assert.is(world.openAi.requests.length, 0);
  assert.is(world.root.readText(world.file), before);
});

test('approval: the call waits with a tool_approval event; approve runs it, deny tells the model why', async () => {
  world.root.writeConversation('test', world.doc(), {
    llm_config: world.openAiConfig,
    tool_approval: { 'workflow/test_tools/add': 'ask' },
  });
  world.openAi.enqueue(
    {
      toolCalls: [
        { id: 'call_yes', name: 'workflow_test_tools_add', arguments: '{"a":1,"b":1}' },
        { id: 'call_no', name: 'workflow_test_tools_add', arguments: '{"a":2,"b":2}' },
      ],
    },
    { chunks: ['Done.'] },
  );
  const streaming = world.stream('workflow/chat_completion/complete_stream', { conversation_file: world.file, include_doc: 'false' });
  const generationId = await waitForGeneration();
  await waitFor(async () => (await pendingApprovals(generationId)) === 2, 'two approvals to be asked');
  const yes = await world.post('workflow/chat_completion/approve', {
    generation_id: generationId,
    tool_call_id: 'call_yes',
    approve: true,
  });
  assert.equal(yes, { status: 200, body: { success: true, tool_call_id: 'call_yes', approved: true } });
  const no = await world.post('workflow/chat_completion/approve', {
    generation_id: generationId,
    tool_call_id: 'call_no',
    approve: false,
    reason: 'not now',
  });
  assert.is(no.status, 200);
  const again = await world.post<{ error: { code: string } }>('workflow/chat_completion/approve', {
    generation_id: generationId,
    tool_call_id: 'call_no',
    approve: true,
  });
  assert.is(again.status, 409);
  const received = steady(events(await streaming));
  const approvals = received.filter((event) => event.type === 'tool_approval');
  assert.equal(
    approvals.map(({ expires_at, ...event }) => (assert.type(expires_at, 'string'), event)),
    [
      {
        type: 'tool_approval',
        generation_id: generationId,
        tool_call_id: 'call_yes',
        tool_name: 'workflow/test_tools/add',
        arguments: { a: 1, b: 1 },
      },
      {
        type: 'tool_approval',
        generation_id: generationId,
        tool_call_id: 'call_no',
        tool_name: 'workflow/test_tools/add',
        arguments: { a: 2, b: 2 },
      },
    ],
  );
  assert.equal(
    received.filter((event) => event.type === 'tool_result').map((event) => [event['status'], event['result']]),
    [
      ['ok', { sum: 2 }],
      ['denied', 'the user denied the call of workflow/test_tools/add: not now'],
    ],
  );
});

test('abort while a tool runs: the tool is stopped, its call saved as aborted, the turn partial', async () => {
  world.openAi.enqueue({ chunks: ['Waiting.'], toolCalls: [{ id: 'call_wait', name: 'workflow_test_tools_wait', arguments: '{}' }] });
  const started = waitingStarted;
  const streaming = world.stream('workflow/chat_completion/complete_stream', { conversation_file: world.file, include_doc: 'false' });
  const generationId = await waitForGeneration();
  await waitFor(() => waitingStarted > started, 'the tool to start');
  const aborted = await world.post('workflow/chat_completion/abort', { generation_id: generationId });
  assert.is(aborted.status, 200);
  const received = steady(events(await streaming));
  const saved = received.find((event) => event.type === 'saved')!;
  assert.equal(
    received.find((event) => event.type === 'tool_result'),
    {
      type: 'tool_result',
      tool_call_id: 'call_wait',
      status: 'aborted',
      result: 'the generation was stopped while workflow/test_tools/wait ran',
      started_at: 'T',
      duration_ms: 0,
    },
  );
  const node = steadyNode(world.doc().nodes[saved['node_id'] as string]!);
  assert.equal(node['tool_steps'], [
    {
      content: 'Waiting.',
      tool_calls: [
        {
          id: 'call_wait',
          name: 'workflow/test_tools/wait',
          arguments: {},
          status: 'aborted',
          result: 'the generation was stopped while workflow/test_tools/wait ran',
          started_at: 'T',
          duration_ms: 0,
        },
      ],
    },
  ]);
  assert.is(node['content'], '');
  assert.equal((node['meta'] as Record<string, unknown>)['partial'], true);
  assert.is(world.openAi.requests.length, 1);
});

test('Gemini wire: function calls with their thought signature go back on the same part in the next request', async () => {
  world.root.writeLlmConfig('fake_gemini', {
    provider: 'gemini',
    base_url: world.gemini.baseUrl,
    api_key: '${TEST_PROVIDER_KEY}',
    model: 'gemini-test',
    tools: ['workflow/test_tools/add'],
  });
  world.gemini.enqueue(
    { toolCalls: [{ name: 'workflow_test_tools_add', arguments: '{"a":2,"b":2}', thoughtSignature: 'sig-1' }] },
    { chunks: ['4'] },
  );
  const reply = await world.post<Record<string, unknown>>('workflow/chat_completion/complete', {
    conversation_file: world.file,
    llm_config_file: world.geminiConfig,
    include_doc: false,
  });
  assert.is(reply.status, 200);
  const step = (reply.body['tool_steps'] as Array<{ tool_calls: Array<Record<string, unknown>> }>)[0]!.tool_calls[0]!;
  assert.is(step['thought_signature'], 'sig-1');
  const contents = (world.gemini.requests[1]!.body as { contents: unknown[] }).contents;
  assert.equal(contents.slice(1), [
    // Gemini gave the call no id, so none goes back; the result travels as the text the model reads.
    { role: 'model', parts: [{ functionCall: { name: 'workflow_test_tools_add', args: { a: 2, b: 2 } }, thoughtSignature: 'sig-1' }] },
    { role: 'user', parts: [{ functionResponse: { name: 'workflow_test_tools_add', response: { result: '{"sum":4}' } } }] },
  ]);
});

async function waitForGeneration(): Promise<string> {
  let id: string | undefined;
  await waitFor(async () => {
    const list = await world.post<{ generations: Array<{ generation_id: string; status: string }> }>(
      'workflow/chat_completion/generations',
      {
        running_only: true,
      },
    );
    id = list.body.generations[0]?.generation_id;
    return id !== undefined;
  }, 'a running generation');
  return id!;
}

async function pendingApprovals(generationId: string): Promise<number> {
  const reply = await world.post<{ error?: { details?: { waiting: string[] } } }>('workflow/chat_completion/approve', {
    generation_id: generationId,
    tool_call_id: 'probe',
    approve: false,
  });
  return reply.body.error?.details?.waiting.length ?? 0;
}

test.run();
