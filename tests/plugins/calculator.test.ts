import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import calculator from '../../plugins/calculator/index.js';
import { evaluate } from '../../plugins/calculator/arithmetic.js';
import { events, resetWorld, startWorld, type WorkflowWorld } from '../workflows/chat_completion/workflow-kit.js';

const test = suite('calculator');
let world: WorkflowWorld;

test.before(async () => {
  world = await startWorld({ engine: { plugins: [calculator] } });
});
test.after(async () => {
  await world.close();
});

test('arithmetic: precedence, right-associative powers, unary minus, functions and constants', () => {
  assert.equal(
    [
      '1 + 2 * 3',
      '(1 + 2) * 3',
      '2 ^ 3 ^ 2',
      '-2 ^ 2',
      '10 % 4 - -1',
      'sqrt(16) + max(1, 7, 3)',
      'round(pi * 100) / 100',
      '1.5e3 / 3',
      '2 ^ -1',
    ].map(evaluate),
    [7, 9, 512, -4, 3, 11, 3.14, 500, 0.5],
  );
});

test('what is not arithmetic is refused in words, never run', () => {
  const refused = (expression: string): string => {
    try {
      evaluate(expression);
      return 'evaluated';
    } catch (error) {
      return (error as Error).message;
    }
  };
  assert.equal(['process.exit(1)', '1 +', '(1 + 2', '1 / 0', '2 3', 'x'.repeat(501)].map(refused), [
    'unknown name "process" (functions: sqrt, abs, round, floor, ceil, ln, log10, min, max; constants: pi, e)',
    'the expression ends too early',
    'expected ")" at token 5',
    'the result is not a finite number (a division by zero?)',
    'unexpected "3" at token 2',
    'the expression is longer than 500 characters',
  ]);
});

test('offered as a tool: the model calls it, the result goes back, a bad expression is an error result it reads', async () => {
  resetWorld(world, 'What is 12 * 34, and 1/0?');
  world.openAi.enqueue(
    {
      toolCalls: [
        { id: 'call_ok', name: 'plugins_calculator_evaluate', arguments: '{"expression":"12 * 34"}' },
        { id: 'call_bad', name: 'plugins_calculator_evaluate', arguments: '{"expression":"1/0"}' },
      ],
    },
    { chunks: ['408, and 1/0 has no value.'] },
  );
  const reply = await world.stream('workflow/chat_completion/complete_stream', {
    conversation_file: world.file,
    tools: '["plugins/calculator/evaluate"]',
    include_doc: 'false',
  });
  const results = events(reply)
    .filter((event) => event.type === 'tool_result')
    .map((event) => [event['tool_call_id'], event['status'], event['result']])
    .sort();
  assert.equal(results, [
    ['call_bad', 'error', 'cannot evaluate "1/0": the result is not a finite number (a division by zero?)'],
    ['call_ok', 'ok', { expression: '12 * 34', value: 408 }],
  ]);
  const tools = (world.openAi.requests[0]!.body as { tools: Array<{ function: { name: string } }> }).tools;
  assert.equal(
    tools.map((tool) => tool.function.name),
    ['plugins_calculator_evaluate'],
  );
});

test.run();
