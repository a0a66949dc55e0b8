import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * The package as a user gets it: `npm pack` (whose prepack step builds dist/), unpacked into a temporary project's
 * node_modules as `npm install` would, and imported by programs run under plain node, with no tsx loader. The
 * package's dependencies are linked from this checkout's node_modules, so the test needs no registry.
 */
const test = suite('the npm package');
const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../', import.meta.url));
const temp = mkdtempSync(join(tmpdir(), 'branchflow-package-'));
const project = join(temp, 'project');
/** No tsx: the programs below run as any installed package's users run them. */
const plainEnv = { ...process.env, NODE_OPTIONS: '', BRANCHFLOW_ROOT: '' };

function write(path: string, content: string | object): void {
  mkdirSync(dirname(join(project, path)), { recursive: true });
  writeFileSync(join(project, path), typeof content === 'string' ? content : JSON.stringify(content, null, 2) + '\n');
}

test.before(async () => {
  const { stdout } = await run('npm', ['pack', '--pack-destination', temp, '--json', '--silent'], {
    cwd: repo,
    maxBuffer: 64 * 1024 * 1024,
  });
  const { filename } = (JSON.parse(stdout) as Array<{ filename: string }>)[0]!;
  await run('tar', ['-xzf', join(temp, filename), '-C', temp]);
  mkdirSync(join(project, 'node_modules'), { recursive: true });
  renameSync(join(temp, 'package'), join(project, 'node_modules', 'branchflow'));
  const manifest = JSON.parse(readFileSync(join(project, 'node_modules', 'branchflow', 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  for (const dependency of Object.keys(manifest.dependencies)) {
    const link = join(project, 'node_modules', dependency);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(repo, 'node_modules', dependency), link, 'dir');
  }
  write('package.json', { name: 'consumer', private: true, type: 'module' });
  write('data/llm_configs/mock.json', { provider: 'mock', mock: { text: 'Hello from the package' } });
  write('data/conversations/chat/conversation.json', {
    roots: ['r'],
    nodes: { r: { pid: null, role: 'user', content: 'Hi' } },
    active_path: ['r'],
  });
});
test.after(() => {
  rmSync(temp, { recursive: true, force: true });
});

test('the tarball holds the compiled code, its types and the playground, and no TypeScript sources', () => {
  const installed = join(project, 'node_modules', 'branchflow');
  for (const file of [
    'dist/src/index.js',
    'dist/src/index.d.ts',
    'dist/workflows/chat_completion/index.js',
    'dist/src/playground/index.html',
    'bin/branchflow.js',
  ]) {
    assert.ok(existsSync(join(installed, file)), `${file} is in the package`);
  }
  assert.not.ok(existsSync(join(installed, 'src')), 'no src/ folder');
});

test('a program imports branchflow under plain node and runs a mock completion through createEngine, with a plugin and a step as values', async () => {
  write(
    'app.mjs',
    `import { CallError, createEngine, definePlugin, defineStep, silentLogger, startServer } from 'branchflow';
const loud = definePlugin({ name: 'loud', hooks: { afterLLMCall: ({ content }) => ({ content: content + '!' }) } });
const ping = defineStep({
  path: 'workflow/app/ping',
  summary: 'Answers pong.',
  input: { type: 'object' },
  output: { type: 'object', properties: { pong: { const: true } }, required: ['pong'] },
  run: async () => ({ pong: true }),
});
const engine = await createEngine({ root: process.cwd(), plugins: [loud], steps: [ping] });
const reply = await engine.api.call('workflow/chat_completion/complete', {
  conversation_file: 'data/conversations/chat/conversation.json',
  llm_config_file: 'data/llm_configs/mock.json',
  include_doc: false,
});
let missing;
try {
  await engine.api.call('workflow/app/pong', {});
} catch (error) {
  missing = error instanceof CallError ? error.code : 'not a CallError';
}
const server = await startServer({ registry: engine.api, logger: silentLogger, port: 0 });
const status = async (path) => (await fetch(server.url + path)).status;
const pages = { playground: await status('/'), script: await status('/playground/app.js'), docs: await status('/docs'), css: await status('/docs/swagger-ui.css') };
await server.close();
await engine.close();
console.log(JSON.stringify({
  content: reply.content,
  ping: await Promise.resolve({ pong: true }),
  missing,
  plugins: engine.plugins,
  workflows: engine.workflows,
  pages,
  tsx: Object.keys(process.env).some((key) => key.startsWith('TSX')) || process.execArgv.some((arg) => arg.includes('tsx')),
}));
`,
  );
  const { stdout } = await run(process.execPath, ['app.mjs'], { cwd: project, env: plainEnv });
  assert.equal(JSON.parse(stdout), {
    content: 'Hello from the package!',
    ping: { pong: true },
    missing: 'NOT_FOUND',
    plugins: ['loud'],
    workflows: ['chat_completion'],
    pages: { playground: 200, script: 200, docs: 200, css: 200 },
    tsx: false,
  });
  const saved = JSON.parse(readFileSync(join(project, 'data/conversations/chat/conversation.json'), 'utf8')) as {
    nodes: Record<string, { content: string }>;
  };
  assert.ok(Object.values(saved.nodes).some((node) => node.content === 'Hello from the package!'));
});

test("a project's TypeScript plugin folder importing 'branchflow' loads under plain node (tsx is registered for it), beside a shipped plugin", async () => {
  write(
    'plugins/shout/index.ts',
    `import { definePlugin, type TransformChunkInput } from 'branchflow';
export default definePlugin({
  name: 'shout',
  hooks: { transformChunk: ({ text }: TransformChunkInput): string => text.toUpperCase() },
});
`,
  );
  // A shipped plugin turned on in a project by a one-line folder.
  write('plugins/regex_rules/index.js', "export { default } from 'branchflow/plugins/regex_rules';\n");
  write('data/regex_rules.json', [{ find: 'PACKAGE', replace: 'tarball', apply_to: 'reply' }]);
  write(
    'shout.mjs',
    `import { createEngine } from 'branchflow';
const engine = await createEngine({ root: process.cwd() });
const reply = await engine.api.call('workflow/chat_completion/complete', {
  conversation_file: 'data/conversations/chat/conversation.json',
  llm_config_file: 'data/llm_configs/mock.json',
  include_doc: false,
});
await engine.close();
console.log(JSON.stringify({ plugins: engine.plugins, content: reply.content }));
`,
  );
  const { stdout } = await run(process.execPath, ['shout.mjs'], { cwd: project, env: plainEnv });
  assert.equal(JSON.parse(stdout), { plugins: ['regex_rules', 'shout'], content: 'HELLO FROM THE tarball' });
});

test('the installed command runs from dist/ under plain node', async () => {
  const { stdout } = await run(process.execPath, [join(project, 'node_modules', 'branchflow', 'bin', 'branchflow.js'), '--help'], {
    cwd: project,
    env: plainEnv,
  });
  assert.match(stdout, /^Usage: branchflow \[options\] \[command\]\n\nbranching conversations as files, replies from any LLM\n/);
});

test.run();
