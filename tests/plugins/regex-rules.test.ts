import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import regexRules from '../../plugins/regex_rules/index.js';
import { parseRules } from '../../plugins/regex_rules/rules-file.js';
import { CallError } from '../../src/lib/call-error.js';
import { baseDoc, events, startWorld, type WorkflowWorld } from '../workflows/chat_completion/workflow-kit.js';

const rules = suite('regex_rules: the rules file');

function problem(value: unknown): string {
  try {
    parseRules(value);
  } catch (error) {
    assert.instance(error, CallError);
    assert.is((error as CallError).code, 'INVALID_FILE');
    return (error as CallError).message;
  }
  return assert.unreachable('the rules were accepted') as never;
}

rules('every bad rule is refused naming the file, the rule index and the field', () => {
  assert.is(problem({ rule: [] }), 'data/regex_rules.json: must be an array of rules, or an object with a "rules" array');
  assert.is(
    problem([{ find: 'a' }, 'b']),
    'data/regex_rules.json: rules[1] must be an object like {"find": "...", "replace": "...", "apply_to": "both"}',
  );
  assert.is(
    problem({ rules: [{ find: 'a' }, { replace: 'x' }] }),
    'data/regex_rules.json: rules[1].find must be a non-empty regular expression source',
  );
  assert.is(
    problem([{ find: '(' }]),
    'data/regex_rules.json: rules[0].find is not valid: Invalid regular expression: /(/g: Unterminated group',
  );
  assert.is(
    problem([{ find: 'a', flags: 'gx' }]),
    "data/regex_rules.json: rules[0].flags is not valid: Invalid flags supplied to RegExp constructor 'gx'",
  );
  assert.is(problem([{ find: 'a', apply_to: 'input' }]), 'data/regex_rules.json: rules[0].apply_to must be one of prompt, reply, both');
  assert.is(problem([{ find: 'a', replace: 3 }]), 'data/regex_rules.json: rules[0].replace must be a string ($1, $<name> refer to groups)');
  assert.is(
    problem([{ find: 'a', roles: ['narrator'] }]),
    'data/regex_rules.json: rules[0].roles must be an array of system, user, assistant',
  );
  assert.is(
    problem([{ find: 'a', placement: 1 }]),
    'data/regex_rules.json: rules[0].placement is not a rule field (fields: name, find, replace, flags, apply_to, roles, enabled)',
  );
});

rules('disabled rules are skipped; defaults are flags "g", replace "" and apply_to "both"', () => {
  const parsed = parseRules([
    { find: 'x', enabled: false },
    { name: 'strip', find: '\\s+$' },
  ]);
  assert.equal(
    parsed.map((rule) => [rule.name, rule.pattern.source, rule.pattern.flags, rule.replace, rule.applyTo]),
    [['strip', '\\s+$', 'g', '', 'both']],
  );
});

rules.run();

const completion = suite('regex_rules around a completion');
let world: WorkflowWorld;

completion.before(async () => {
  world = await startWorld({ engine: { plugins: [regexRules] } });
});
completion.after(async () => {
  await world.close();
});

completion('prompt rules change what the provider receives; reply rules change what is saved', async () => {
  world.root.write('data/regex_rules.json', {
    rules: [
      { name: 'polite', find: '\\bhello\\b', replace: 'good morning', flags: 'gi', apply_to: 'prompt', roles: ['user'] },
      { name: 'no shouting', find: '!+', replace: '.', apply_to: 'reply' },
      { name: 'everywhere', find: 'terse', replace: 'brief', apply_to: 'both' },
    ],
  });
  world.openAi.reset();
  world.openAi.defaultReply = { chunks: ['Hi!!', ' Stay terse!'], usage: { prompt: 1, completion: 1 } };
  const file = world.root.writeConversation('regex', baseDoc, { llm_config: world.openAiConfig });
  const received = events(
    await world.stream('workflow/chat_completion/complete_stream', { conversation_file: file, include_doc: 'false' }),
  );
  const nodeId = received[0]!['node_id'] as string;
  assert.equal(received[0]!['hooks'], ['regex_rules/beforeLLMCall', 'regex_rules/afterLLMCall']);
  assert.equal((world.openAi.requests[0]!.body as { messages: unknown }).messages, [
    { role: 'system', content: 'You are brief.' },
    { role: 'user', content: 'Say good morning.' },
  ]);
  // Clients saw the reply as it streamed; the saved event says what the node holds.
  assert.equal(
    received.filter((event) => event.type === 'chunk').map((event) => event['content']),
    ['Hi!!', ' Stay terse!'],
  );
  const saved = received.find((event) => event.type === 'saved')!;
  assert.is(saved['content'], 'Hi. Stay brief.');
  assert.is(world.root.readJson<{ nodes: Record<string, { content: string }> }>(file).nodes[nodeId]!.content, 'Hi. Stay brief.');
});

completion('a broken rules file refuses the completion with HOOK_FAILED naming the file, the rule and the field', async () => {
  world.root.write('data/regex_rules.json', [{ find: 'ok' }, { find: 'a', apply_to: 'sideways' }]);
  const file = world.root.writeConversation('regex_broken', baseDoc, { llm_config: world.openAiConfig });
  const response = await fetch(world.url('workflow/chat_completion/complete_stream', { conversation_file: file }));
  assert.is(response.status, 500);
  const body = (await response.json()) as { error: { code: string; message: string } };
  assert.equal(
    [body.error.code, body.error.message],
    [
      'HOOK_FAILED',
      'plugin regex_rules: hook beforeLLMCall threw: data/regex_rules.json: rules[1].apply_to must be one of prompt, reply, both',
    ],
  );
});

completion('the apply step tries the rules on a text', async () => {
  world.root.write('data/regex_rules.json', [{ find: 'colour', replace: 'color', apply_to: 'reply' }]);
  assert.equal(await world.engine.api.call('plugins/regex_rules/apply', { text: 'A colour.' }), {
    success: true,
    text: 'A color.',
    rules: 1,
  });
  assert.equal(await world.engine.api.call('plugins/regex_rules/apply', { text: 'A colour.', direction: 'prompt' }), {
    success: true,
    text: 'A colour.',
    rules: 1,
  });
});

completion.run();
