/**
 * @module The cross-process lock when its holder dies: a process killed while it held a conversation's lock
 * used to block every write to that file, start-up recovery included, until the lock went stale (10 s after
 * the server restarted); now a lock whose owner process on this machine is gone is taken over at once. A lock
 * whose holder is alive is never taken.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../../src/lib/logger.js';
import { lockFile } from '../../../src/store/disk/file-lock.js';
import { createTempRoot, type TempRoot } from '../../helpers/temp-root.js';

const test = suite('conversation locks of processes that are gone');
const holderScript = fileURLToPath(new URL('../fixtures/lock-holder.ts', import.meta.url));
let temp: TempRoot;
let file = { absolute: '', relative: 'data/conversations/held/conversation.json' };

test.before.each(() => {
  temp = createTempRoot();
  temp.writeConversation('held', { roots: [], nodes: {}, active_path: [] });
  file = { absolute: temp.path('data/conversations/held/conversation.json'), relative: 'data/conversations/held/conversation.json' };
});
test.after.each(() => temp.cleanup());

/** A child process holding the lock, once it says so. */
async function holder(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', holderScript, file.absolute], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && resolve());
    child.once('exit', (code) => reject(new Error(`the lock holder exited (${code}) before locking`)));
  });
  return child;
}

test('a lock left by a killed process is taken over at once, not after the stale delay', async () => {
  const child = await holder();
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  assert.ok(existsSync(`${file.absolute}.lock`), 'the killed process left its lock');
  const started = Date.now();
  // A stale delay of a minute: only the owner check can hand the lock over within the 40 s lockFile waits.
  const release = await lockFile(file, 60_000, silentLogger);
  assert.ok(Date.now() - started < 20_000, 'the lock was only taken after waiting');
  await release();
  assert.equal(readdirSync(temp.path('data/conversations/held')).sort(), ['conversation.json']);
});

test('a lock whose holder is alive is not taken over', async () => {
  const child = await holder();
  let acquired = false;
  const waiting = lockFile(file, 60_000, silentLogger).then((release) => {
    acquired = true;
    return release;
  });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  assert.not.ok(acquired, 'the lock of a live process was taken');
  child.kill('SIGKILL');
  const release = await waiting;
  await release();
});

test('releasing removes the lock folder with the owner line in it', async () => {
  const release = await lockFile(file, 10_000, silentLogger);
  assert.equal(readdirSync(`${file.absolute}.lock`), ['owner']);
  await release();
  assert.not.ok(existsSync(`${file.absolute}.lock`));
});

test('releasing removes a lock folder that holds more than the owner line', async () => {
  const release = await lockFile(file, 10_000, silentLogger);
  writeFileSync(`${file.absolute}.lock/left-by-someone`, 'x');
  await release();
  assert.equal(readdirSync(temp.path('data/conversations/held')), ['conversation.json']);
});

test.run();
