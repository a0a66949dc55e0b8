import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '../../../src/lib/logger.js';
import type { ConversationDoc } from '../../../src/store/tree/document.js';
import { createFileStore } from '../../../src/store/file/file-store.js';
import { validateDoc } from '../../../src/store/tree/index.js';
import { linearTree } from '../../helpers/conversation-trees.js';
import { createTempRoot, type TempRoot } from '../../helpers/temp-root.js';

const writer = fileURLToPath(new URL('../fixtures/append-writer.ts', import.meta.url));

/** Starts a writer; `acknowledged()` is how many appends it has reported durable so far. */
function startWriter(temp: TempRoot, file: string, prefix: string, count: number, threshold: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', writer, temp.root, file, prefix, String(count), String(threshold)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  let firstAck: () => void;
  const started = new Promise<void>((resolve) => (firstAck = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk;
    if (output.includes('\n')) firstAck();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const acknowledged = (): number => Number(output.trim().split('\n').filter(Boolean).pop() ?? 0);
  return { child, started, exited, acknowledged };
}

function kill(child: ChildProcess): void {
  child.kill('SIGKILL');
}

const test = suite('a writer killed at any moment');
let temp: TempRoot;

test.before(() => {
  temp = createTempRoot();
});
test.after(() => temp.cleanup());

test('leaves the old file or the new one, never a torn one (24 kills, both write paths)', async () => {
  // A few hundred KB, so a write takes long enough to be interrupted in the middle.
  const base = linearTree(300);
  for (const node of Object.values(base.nodes)) node.content = node.content + ' ' + 'words '.repeat(150);
  const file = temp.writeConversation('crash', base);
  let expected = Object.keys(base.nodes).length;
  for (let round = 0; round < 24; round++) {
    const threshold = round % 2 === 0 ? Number.POSITIVE_INFINITY : 0;
    const run = startWriter(temp, file, `k${round}_`, 1_000_000, threshold);
    await run.started;
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 150));
    kill(run.child);
    await run.exited;
    const acknowledged = run.acknowledged();
    // Killed in the instant of a swap, the file is away as `<file>.displaced`, and the next reader puts it back.
    const text = existsSync(temp.path(file)) ? temp.readText(file) : temp.readText(`${file}.displaced`);
    let doc: ConversationDoc;
    try {
      doc = JSON.parse(text) as ConversationDoc;
    } catch {
      assert.unreachable(`round ${round}: the file does not parse after a kill (${text.length} bytes)`);
      return;
    }
    assert.is(validateDoc(doc), undefined, `round ${round}: the file does not validate`);
    const count = Object.keys(doc.nodes).length;
    // Every acknowledged append is there; at most one more (written, not yet acknowledged) may be.
    assert.ok(
      count === expected + acknowledged || count === expected + acknowledged + 1,
      `round ${round}: ${count} nodes, expected ${expected + acknowledged} (+1)`,
    );
    expected = count;
    // The killed writer's lock would go stale after two seconds; clearing it keeps 24 rounds fast.
    rmSync(temp.path(`${file}.lock`), { recursive: true, force: true });
  }
  // Temp files of interrupted writes are cleared by the next store that writes the file.
  const store = createFileStore({ root: temp.root, logger: silentLogger });
  await store.update(file, (doc) => void (doc.updated_at = 'after the crashes'));
  await store.close();
  assert.equal(readdirSync(temp.path('data/conversations/crash')), ['conversation.json']);
});

test('a save killed while it had the file moved aside: the next reader and the next start put it back', async () => {
  const file = temp.writeConversation('swapped', linearTree(3));
  const original = temp.readText(file);
  renameSync(temp.path(file), temp.path(`${file}.displaced`));
  const reader = createFileStore({ root: temp.root, logger: silentLogger });
  assert.equal(await reader.read(file), JSON.parse(original));
  await reader.close();
  assert.is(temp.readText(file), original);

  renameSync(temp.path(file), temp.path(`${file}.displaced`));
  const starting = createFileStore({ root: temp.root, logger: silentLogger });
  assert.equal(await starting.finishInterruptedSaves(), [file]);
  await starting.close();
  assert.is(temp.readText(file), original);
  assert.equal(readdirSync(temp.path('data/conversations/swapped')), ['conversation.json']);
});

test('two processes appending to one file lose nothing (the lock holds across processes)', async () => {
  const file = temp.writeConversation('shared', linearTree(2));
  const first = startWriter(temp, file, 'p_', 25, Number.POSITIVE_INFINITY);
  const second = startWriter(temp, file, 'q_', 25, 0);
  assert.equal(await Promise.all([first.exited, second.exited]), [0, 0]);
  const doc = temp.readJson<ConversationDoc>(file);
  assert.is(validateDoc(doc), undefined);
  const ids = Object.keys(doc.nodes);
  assert.is(ids.filter((id) => id.startsWith('p_')).length, 25);
  assert.is(ids.filter((id) => id.startsWith('q_')).length, 25);
  assert.is(doc.active_path.length, 3 + 50, 'every append extended the path: each saw all the others');
});

test.run();
