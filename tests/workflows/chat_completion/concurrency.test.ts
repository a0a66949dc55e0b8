import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { events, resetWorld, startWorld, type WorkflowWorld } from './workflow-kit.js';

const test = suite('concurrent saves');
let world: WorkflowWorld;

test.before(async () => {
  world = await startWorld();
});
test.after(async () => {
  await world.close();
});
test.before.each(() => resetWorld(world, 'Hi.'));

test('20 concurrent generations on one conversation all save, as siblings under their shared parent', async () => {
  world.openAi.defaultReply = { chunks: ['x', 'y'], chunkDelayMs: 5 };
  const replies = await Promise.all(
    Array.from({ length: 20 }, () =>
      world.stream('workflow/chat_completion/complete_stream', { conversation_file: world.file, include_doc: 'false' }),
    ),
  );
  const nodeIds = replies.map((reply) => events(reply).find((event) => event.type === 'saved')!['node_id'] as string);
  assert.is(new Set(nodeIds).size, 20);
  const doc = world.doc();
  for (const nodeId of nodeIds)
    assert.equal({ pid: doc.nodes[nodeId]?.pid, content: doc.nodes[nodeId]?.content }, { pid: 'n_user', content: 'xy' });
  assert.equal([...(doc.children?.['n_user'] ?? [])].sort(), [...nodeIds].sort());
  // Only the first save found its parent as the active leaf; the others became side branches.
  assert.is(doc.active_path.length, 3);
  assert.ok(nodeIds.includes(doc.active_path[2]!));
});

test('a hand edit made during a generation is kept beside the reply', async () => {
  world.openAi.defaultReply = { chunks: ['slow ', 'reply'], chunkDelayMs: 150 };
  const reply = world.stream(
    'workflow/chat_completion/complete_stream',
    { conversation_file: world.file, include_doc: 'false' },
    {
      until(sofar) {
        if (sofar.frames.length === 2) {
          const doc = world.doc();
          doc.nodes['n_user']!.content = 'Hi, edited by hand.';
          doc['my_note'] = 'kept';
          world.root.writeConversation('test', doc);
        }
        return false;
      },
    },
  );
  const nodeId = events(await reply).find((event) => event.type === 'saved')!['node_id'] as string;
  const doc = world.doc();
  assert.is(doc.nodes['n_user']?.content, 'Hi, edited by hand.');
  assert.is(doc['my_note'], 'kept');
  assert.is(doc.nodes[nodeId]?.content, 'slow reply');
});

test('a parent deleted during the generation sends the reply to a recovery file named by the error', async () => {
  world.openAi.defaultReply = { chunks: ['orphan ', 'text'], chunkDelayMs: 150 };
  const reply = world.stream(
    'workflow/chat_completion/complete_stream',
    { conversation_file: world.file, include_doc: 'false' },
    {
      until(sofar) {
        if (sofar.frames.length === 2) {
          void world.post('modules/chat_branches/delete_branch', { file: world.file, node_id: 'n_user', return_mode: 'none' });
        }
        return false;
      },
    },
  );
  const received = events(await reply);
  assert.equal(
    received.map((event) => event.type),
    ['start', 'chunk', 'chunk', 'finish', 'usage', 'error', 'end'],
  );
  const error = received[5]!;
  const generationId = received[0]!['generation_id'] as string;
  assert.is(error['code'], 'NOT_FOUND');
  assert.is(error['recovery_file'], `data/conversations/test/recovered-${generationId}.json`);
  assert.match(error['message'] as string, `it was written to data/conversations/test/recovered-${generationId}.json`);
  const recovered = world.root.readJson<{ content: string; parent_id: string }>(error['recovery_file'] as string);
  assert.equal({ content: recovered.content, parent_id: recovered.parent_id }, { content: 'orphan text', parent_id: 'n_user' });
  assert.not.ok(existsSync(world.root.path(`data/conversations/test/.journal/${generationId}.jsonl`)));
});

test('a file caught half-written by an in-place editor at save time: the save looks again and the reply lands', async () => {
  world.openAi.defaultReply = { chunks: ['patient ', 'reply'], chunkDelayMs: 100 };
  const before = world.root.readText(world.file);
  const recoveryFiles = (): string[] =>
    readdirSync(world.root.path('data/conversations/test')).filter((name) => name.startsWith('recovered-'));
  const recoveryFilesBefore = recoveryFiles();
  const reply = world.stream(
    'workflow/chat_completion/complete_stream',
    { conversation_file: world.file, include_doc: 'false' },
    {
      until(sofar) {
        if (sofar.frames.length === 2) {
          // Truncated and half rewritten when the reply finishes; the editor completes its save 150 ms later.
          writeFileSync(world.root.path(world.file), before.slice(0, 40));
          setTimeout(() => writeFileSync(world.root.path(world.file), before), 250);
        }
        return false;
      },
    },
  );
  const received = events(await reply);
  assert.equal(
    received.map((event) => event.type),
    ['start', 'chunk', 'chunk', 'finish', 'usage', 'saved', 'end'],
  );
  const nodeId = received[5]!['node_id'] as string;
  assert.equal(
    { pid: world.doc().nodes[nodeId]?.pid, content: world.doc().nodes[nodeId]?.content },
    { pid: 'n_user', content: 'patient reply' },
  );
  assert.equal(recoveryFiles(), recoveryFilesBefore);
});

test('a file that keeps changing through every attempt of the save: the save pauses and tries again', async () => {
  world.openAi.defaultReply = { chunks: ['persistent ', 'reply'], chunkDelayMs: 100 };
  let editorDone: Promise<unknown> | undefined;
  const reply = world.stream(
    'workflow/chat_completion/complete_stream',
    { conversation_file: world.file, include_doc: 'false' },
    {
      until(sofar) {
        // From the second chunk on, for 600 ms, another thread changes the file as fast as it can.
        if (sofar.frames.length === 2) {
          const editor = new Worker(busyEditor, { eval: true, workerData: { file: world.root.path(world.file), ms: 600 } });
          editorDone = new Promise((resolve, reject) => editor.once('exit', resolve).once('error', reject));
        }
        return false;
      },
    },
  );
  const received = events(await reply);
  await editorDone;
  assert.equal(
    received.map((event) => event.type),
    ['start', 'chunk', 'chunk', 'finish', 'usage', 'saved', 'end'],
  );
  const nodeId = received[5]!['node_id'] as string;
  const doc = world.doc();
  assert.equal({ pid: doc.nodes[nodeId]?.pid, content: doc.nodes[nodeId]?.content }, { pid: 'n_user', content: 'persistent reply' });
});

/**
 * Touches the file's modification time, back to back, for `ms`: to the engine the file changes all the time, and
 * unlike a real editor's read-modify-write, this one can never drop a reply saved in between.
 */
const busyEditor = `
const { utimesSync } = require('node:fs');
const { file, ms } = require('node:worker_threads').workerData;
const until = Date.now() + ms;
for (let tick = 1; Date.now() < until; tick++) {
  try { utimesSync(file, tick, tick); } catch {} // away for the instant of a swap
}
`;

test('an empty node filled by hand meanwhile keeps its text; the reply becomes its sibling', async () => {
  const doc = world.doc();
  doc.nodes['n_slot'] = { pid: 'n_user', role: 'assistant', content: '' };
  doc.active_path.push('n_slot');
  world.root.writeConversation('test', doc);
  world.openAi.defaultReply = { chunks: ['generated ', 'text'], chunkDelayMs: 150 };
  const reply = world.stream(
    'workflow/chat_completion/complete_stream',
    { conversation_file: world.file, include_doc: 'false' },
    {
      until(sofar) {
        if (sofar.frames.length === 2) {
          const edited = world.doc();
          edited.nodes['n_slot']!.content = 'typed by a person';
          world.root.writeConversation('test', edited);
        }
        return false;
      },
    },
  );
  const saved = events(await reply).find((event) => event.type === 'saved')!;
  assert.is(saved['node_id'], 'n_slot_r');
  const after = world.doc();
  assert.is(after.nodes['n_slot']?.content, 'typed by a person');
  assert.equal(
    { pid: after.nodes['n_slot_r']?.pid, content: after.nodes['n_slot_r']?.content },
    { pid: 'n_user', content: 'generated text' },
  );
});

test.run();
