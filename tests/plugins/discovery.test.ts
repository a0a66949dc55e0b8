import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { pathToFileURL } from 'node:url';
import { createEngine, type Engine } from '../../src/engine.js';
import { startServer, type RunningServer } from '../../src/http/index.js';
import { silentLogger } from '../../src/lib/logger.js';
import { createTempRoot, type TempRoot } from '../helpers/temp-root.js';

const test = suite('plugin and workflow folders');
const api = pathToFileURL(new URL('../../src/index.ts', import.meta.url).pathname).href;
let root: TempRoot;
let engine: Engine;
let server: RunningServer;

const objectSchema = (properties: object, required: string[]) => ({ type: 'object', properties, required, additionalProperties: false });

test.before(async () => {
  root = createTempRoot('branchflow-plugins-');
  root.write(
    'plugins/ts_plugin/index.ts',
    `import { definePlugin, defineStep } from ${JSON.stringify(api)};
const echo = defineStep<{ text: string }, { success: true; text: string }>({
  path: 'plugins/ts_plugin/echo',
  summary: 'Echo the text back.',
  input: ${JSON.stringify(objectSchema({ text: { type: 'string' } }, ['text']))},
  output: ${JSON.stringify(objectSchema({ success: { const: true }, text: { type: 'string' } }, ['success', 'text']))},
  async run(input) {
    return { success: true, text: input.text };
  },
});
export default definePlugin({ name: 'ts_plugin', steps: [echo], hooks: { transformChunk: ({ text }) => text } });
`,
  );
  root.write(
    'plugins/js_plugin/index.js',
    `// A plain JavaScript plugin: definePlugin's result is a plain object, so it can be written without importing anything.
export default {
  kind: 'plugin',
  name: 'js_plugin',
  steps: [
    {
      kind: 'plain',
      path: 'plugins/js_plugin/shout',
      summary: 'The text in capitals.',
      input: ${JSON.stringify(objectSchema({ text: { type: 'string' } }, ['text']))},
      output: ${JSON.stringify(objectSchema({ text: { type: 'string' } }, ['text']))},
      async run(input) {
        return { text: input.text.toUpperCase() };
      },
    },
  ],
};
`,
  );
  root.write(
    'workflows/greeting/index.ts',
    `import { defineStep, defineWorkflow } from ${JSON.stringify(api)};
const hello = defineStep<{ name: string }, { greeting: string }>({
  path: 'workflow/greeting/hello',
  summary: 'Greet someone loudly, through the js_plugin step.',
  input: ${JSON.stringify(objectSchema({ name: { type: 'string' } }, ['name']))},
  output: ${JSON.stringify(objectSchema({ greeting: { type: 'string' } }, ['greeting']))},
  async run(input, context) {
    const { text } = await context.call<{ text: string }>('plugins/js_plugin/shout', { text: 'hello ' + input.name });
    return { greeting: text };
  },
});
export default defineWorkflow({ name: 'greeting', steps: [hello] });
`,
  );
  root.write('plugins/.hidden/index.js', 'throw new Error("hidden folders are not plugins");\n');
  engine = await createEngine({ root: root.root, logger: silentLogger, env: {} });
  server = await startServer({ registry: engine.api, logger: silentLogger, port: 0 });
});
test.after(async () => {
  await server.close();
  await engine.close();
  root.cleanup();
});

test('folders load in name order; the built-in workflow comes from the package folder', () => {
  assert.equal(engine.plugins, ['js_plugin', 'ts_plugin']);
  assert.equal(engine.workflows, ['chat_completion', 'greeting']);
});

test('discovered steps are callable in-process, and compose with each other', async () => {
  assert.equal(await engine.api.call('plugins/ts_plugin/echo', { text: 'hi' }), { success: true, text: 'hi' });
  assert.equal(await engine.api.call('workflow/greeting/hello', { name: 'ada' }), { greeting: 'HELLO ADA' });
});

test('discovered steps answer over HTTP and are listed in /api/calls and the OpenAPI document', async () => {
  const response = await fetch(`${server.url}/api/plugins/js_plugin/shout`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text: 'quiet' }),
  });
  assert.is(response.status, 200);
  assert.equal(await response.json(), { text: 'QUIET' });

  const { calls } = (await (await fetch(`${server.url}/api/calls`)).json()) as { calls: Array<{ path: string }> };
  const listed = calls.map((call) => call.path);
  for (const path of [
    'plugins/js_plugin/shout',
    'plugins/ts_plugin/echo',
    'workflow/greeting/hello',
    'workflow/chat_completion/complete_stream',
  ]) {
    assert.ok(listed.includes(path), `${path} is listed in /api/calls`);
  }
  const openapi = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
  for (const path of ['/api/plugins/js_plugin/shout', '/api/plugins/ts_plugin/echo', '/api/workflow/greeting/hello']) {
    assert.ok(path in openapi.paths, `${path} is in the OpenAPI document`);
  }
});

test("a completion's start event names the folder plugins' hooks", async () => {
  root.writeConversation(
    'talk',
    {
      roots: ['r'],
      nodes: { r: { pid: null, role: 'user', content: 'Hi' } },
      active_path: ['r'],
    },
    { llm_config: root.writeLlmConfig('mock', { provider: 'mock', mock: { text: 'Hello there' } }) },
  );
  const events: Array<{ type: string; hooks?: string[] }> = [];
  for await (const event of engine.api.stream<{ type: string; hooks?: string[] }>('workflow/chat_completion/complete_stream', {
    conversation_file: 'data/conversations/talk/conversation.json',
  })) {
    events.push(event);
  }
  assert.equal(events[0]!.hooks, ['ts_plugin/transformChunk']);
  assert.equal(events.at(-1), { type: 'end' });
});

test('run from the clone, the shipped plugins load from its plugins/ folder and its workflows/ once', async () => {
  const clone = new URL('../../', import.meta.url).pathname;
  const cloneEngine = await createEngine({ root: clone, logger: silentLogger, env: {}, recover: false });
  try {
    assert.equal(cloneEngine.plugins, ['calculator', 'conversation_title', 'regex_rules']);
    assert.equal(cloneEngine.workflows, ['chat_completion']);
  } finally {
    await cloneEngine.close();
  }
});

test.run();
