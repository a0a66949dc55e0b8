/**
 * @module The server's start-up as a user sees it: a bad setting, a taken port or an unusable root is one line on
 * stderr and exit code 1, never a stack; a root without data/ gets the examples; the first-request hint uses
 * `send` on a conversation that exists.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const mainScript = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const test = suite('serve: start-up');

interface Started {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts the server; resolves when it exits, or once it printed its hint line (it is then stopped). */
function start(env: Record<string, string>, root: string): Promise<Started> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', mainScript], {
      env: { PATH: process.env['PATH'] ?? '', BRANCHFLOW_ROOT: root, LOG_LEVEL: 'warn', PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (/^(try|no conversations)/m.test(stdout)) child.kill('SIGTERM');
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

let root: string;
test.before.each(() => {
  root = mkdtempSync(join(tmpdir(), 'branchflow-serve-'));
});
test.after.each(() => rmSync(root, { recursive: true, force: true }));

test('bad PORT, HOST without a token, and an unknown LOG_FORMAT: one line each, exit 1', async () => {
  assert.equal(await start({ PORT: 'abc' }, root), {
    code: 1,
    stdout: '',
    stderr: 'branchflow could not start: PORT must be a whole number from 0 to 65535; got "abc"\n',
  });
  const open = await start({ HOST: '0.0.0.0' }, root);
  assert.equal([open.code, open.stderr.split('\n').length], [1, 2]);
  assert.match(open.stderr, /^branchflow could not start: refusing to listen on 0\.0\.0\.0: .* Set BRANCHFLOW_TOKEN/);
  assert.equal(
    (await start({ LOG_FORMAT: 'xml' }, root)).stderr,
    'branchflow could not start: LOG_FORMAT must be text or json; got "xml"\n',
  );
});

test('a taken port: one line naming it and what to do', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as { port: number }).port;
  const result = await start({ PORT: String(port) }, root);
  blocker.close();
  assert.is(result.code, 1);
  assert.is(
    result.stderr,
    `branchflow could not start: could not listen on 127.0.0.1:${port}: listen EADDRINUSE: address already in use 127.0.0.1:${port} ` +
      '(another server, perhaps another branchflow, has that port: stop it, or set PORT to a free port; PORT=0 picks one)\n',
  );
});

test('a root that does not exist or is a file: one line', async () => {
  const missing = join(root, 'missing');
  assert.equal(await start({}, missing), {
    code: 1,
    stdout: '',
    stderr: `branchflow could not start: the root ${missing} (BRANCHFLOW_ROOT, else the current folder) does not exist\n`,
  });
  writeFileSync(join(root, 'file'), '');
  assert.is(
    (await start({}, join(root, 'file'))).stderr,
    `branchflow could not start: the root ${join(root, 'file')} (BRANCHFLOW_ROOT, else the current folder) is not a folder\n`,
  );
});

test('an empty root gets data/ from the examples, and the hint sends to the demo', async () => {
  const result = await start({}, root);
  assert.ok(existsSync(join(root, 'data/conversations/branch_demo/conversation.json')));
  assert.ok(existsSync(join(root, 'data/llm_configs/mock.json')));
  assert.ok(existsSync(join(root, '.env.example')));
  const lines = result.stdout.trim().split('\n');
  assert.match(
    lines[0]!,
    /^first start: created data\/conversations\/branch_demo, data\/llm_configs\/.*mock\.json.*, \.env\.example under /,
  );
  assert.match(lines[1]!, /^branchflow is ready at http:\/\/127\.0\.0\.1:\d+ /);
  assert.match(
    lines[2]!,
    /^try: curl -N 'http:\/\/127\.0\.0\.1:\d+\/api\/workflow\/chat_completion\/send\?conversation_file=branch_demo&content=Hello%21&llm_config_file=mock'$/,
  );
});

test.run();
