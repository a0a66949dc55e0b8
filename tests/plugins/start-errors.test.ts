import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync } from 'node:fs';
import { createEngine } from '../../src/engine.js';
import { definePlugin } from '../../src/plugins/define-plugin.js';
import { PluginLoadError } from '../../src/plugins/plugin-load-error.js';
import { defineStep } from '../../src/registry/define-step.js';
import { createTempRoot, type TempRoot } from '../helpers/temp-root.js';

const test = suite('start-up errors of plugins and workflows');
const roots: TempRoot[] = [];

test.after(() => {
  for (const root of roots) root.cleanup();
});

/** A plain-object step as a JavaScript plugin would write it. */
function jsStep(path: string, input: object = { type: 'object' }): string {
  return `{ kind: 'plain', path: ${JSON.stringify(path)}, summary: 's', input: ${JSON.stringify(input)}, output: { type: 'object' }, async run() { return {}; } }`;
}

async function startFailure(files: Record<string, string>, options: Parameters<typeof createEngine>[0] = {}): Promise<PluginLoadError> {
  const root = createTempRoot('branchflow-start-errors-');
  roots.push(root);
  for (const [path, content] of Object.entries(files)) root.write(path, content);
  try {
    await createEngine({ ...options, root: root.root, env: {} });
  } catch (error) {
    assert.instance(error, PluginLoadError);
    // Refused before anything was written: no journal, no lock, nothing in data/ beyond what the test put there.
    assert.equal(readdirSync(root.path('data/conversations')), []);
    return error as PluginLoadError;
  }
  return assert.unreachable('the engine started') as never;
}

test('every problem of every folder is reported, one line each naming the folder and the file', async () => {
  const error = await startFailure({
    'plugins/a_no_entry/README.md': 'no code here\n',
    'plugins/b_bad_export/index.js': "export default { name: 'b_bad_export' };\n",
    'plugins/c_throws/index.js': "throw new Error('cannot read its settings');\n",
    'plugins/d_duplicate/index.js': `export default { kind: 'plugin', name: 'd_duplicate', steps: [${jsStep('plugins/d_duplicate/x')}, ${jsStep('plugins/d_duplicate/x')}] };\n`,
    'plugins/e_outside/index.js': `export default { kind: 'plugin', name: 'e_outside', steps: [${jsStep('modules/chat_branches/get')}] };\n`,
    'plugins/f_hook/index.js': "export default { kind: 'plugin', name: 'f_hook', hooks: { beforeLlmCall() {}, onSave() {} } };\n",
    'plugins/g_schema/index.js': `export default { kind: 'plugin', name: 'g_schema', steps: [${jsStep('plugins/g_schema/x', { type: 'nonsense' })}] };\n`,
    'plugins/h_name/index.js': "export default { kind: 'plugin', name: 'other_name' };\n",
    'plugins/i_no_default/index.mts': 'export const plugin = 1;\n',
    'plugins/j_typo/index.js': "export default { kind: 'plugin', name: 'j_typo', hook: {} };\n",
    'workflows/chat_completion/index.js': "export default { kind: 'workflow', name: 'chat_completion', steps: [] };\n",
  });
  assert.equal(
    error.message,
    [
      'branchflow cannot start: 12 problems in plugins and workflows:',
      '  plugins/a_no_entry/: no entry module; add index.ts, index.mts or index.js with a default export',
      '  plugins/b_bad_export/index.js: the default export must be definePlugin({ name, steps?, hooks? }); it is an object without kind',
      '  plugins/c_throws/index.js: importing it failed: cannot read its settings',
      '  plugins/e_outside/index.js: step "modules/chat_branches/get" is outside its prefix plugins/e_outside/',
      '  plugins/f_hook/index.js: unknown hook "beforeLlmCall" (did you mean beforeLLMCall?); hooks are beforeLLMCall, transformChunk, afterLLMCall, beforeSave, afterSave',
      '  plugins/f_hook/index.js: unknown hook "onSave"; hooks are beforeLLMCall, transformChunk, afterLLMCall, beforeSave, afterSave',
      '  plugins/h_name/index.js: name "other_name" must be the folder\'s name "h_name"',
      '  plugins/i_no_default/index.mts: the default export must be definePlugin({ name, steps?, hooks? }); it is missing',
      '  plugins/j_typo/index.js: "hook" is not a plugin field (fields: name, description, steps, hooks, tools, hookTimeoutMs)',
      '  workflows/chat_completion/index.js: a workflow named "chat_completion" is already loaded from workflows/chat_completion/index.ts',
      '  plugins/d_duplicate/index.js: step "plugins/d_duplicate/x" is defined twice (also by plugins/d_duplicate/index.js)',
      '  plugins/g_schema/index.js: step "plugins/g_schema/x" has an invalid schema: schema is invalid: data/type must be equal to one of the allowed values, data/type must be array, data/type must match a schema in anyOf',
    ].join('\n'),
  );
  assert.is(error.problems.length, 12);
});

test('values given to createEngine are checked the same way, and steps given as values may not take a path twice', async () => {
  const step = defineStep({
    path: 'plugins/mine/x',
    summary: 's',
    input: { type: 'object' },
    output: { type: 'object' },
    run: async () => ({}),
  });
  const error = await startFailure(
    {},
    {
      plugins: [definePlugin({ name: 'mine', steps: [step] }), definePlugin({ name: 'mine' }), { name: 'not_defined' } as never],
      steps: [step, defineStep({ path: 'bad path', summary: 's', input: {}, output: {}, run: async () => ({}) })],
      hooks: { afterSave: 'not a function' } as never,
    },
  );
  assert.equal(
    error.message,
    [
      'branchflow cannot start: 5 problems in plugins and workflows:',
      '  createEngine plugins[2]: the default export must be definePlugin({ name, steps?, hooks? }); it is an object without kind',
      '  createEngine hooks: hook afterSave must be a function; it is "not a function"',
      '  createEngine plugins[1]: a plugin named "mine" is already loaded from createEngine plugins[0]',
      '  createEngine steps[0]: step "plugins/mine/x" is defined twice (also by createEngine plugins[0])',
      '  createEngine steps[1]: step path "bad path" must be <namespace>/<segment>[/...] with namespace modules|workflow|plugins and lower snake_case segments',
    ].join('\n'),
  );
});

test('a TypeScript entry that does not compile names its file', async () => {
  const error = await startFailure({ 'plugins/broken_ts/index.ts': 'export default definePlugin({ name: "broken_ts" ;\n' });
  assert.equal(error.problems.length, 1);
  assert.match(error.problems[0]!, /^plugins\/broken_ts\/index\.ts: importing it failed: /);
});

test.run();
