import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findJournals, GenerationJournal, writeRecoveryFile, type JournalHeader } from '../../src/generation/journal.js';

const test = suite('generation journal');
let root = '';

test.before.each(async () => {
  root = await mkdtemp(join(tmpdir(), 'branchflow-journal-'));
});
test.after.each(async () => {
  await rm(root, { recursive: true, force: true });
});

const header: JournalHeader = {
  generation_id: 'gen_1',
  conversation_file: 'data/conversations/demo/conversation.json',
  parent_id: 'n1',
  node_id: 'n_ass1',
  fill_target: false,
  provider: 'mock',
  model: 'mock-1',
  started_at: '2026-11-22T00:00:00.000Z',
};

test('flushed text is found again with its header', async () => {
  const journal = await GenerationJournal.open(root, header, 60_000);
  journal.write('Hello, ');
  await journal.flush();
  journal.write('world');
  await journal.flush();
  const [found, ...rest] = await findJournals(root);
  assert.equal(rest, []);
  assert.equal(found?.header, header);
  assert.is(found?.content, 'Hello, world');
  await journal.close({ remove: true });
  assert.equal(await findJournals(root), []);
});

test('text is checkpointed on the interval without an explicit flush', async () => {
  const journal = await GenerationJournal.open(root, header, 20);
  journal.write('tick');
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.is((await findJournals(root))[0]?.content, 'tick');
  await journal.close({ remove: true });
});

test('a torn last line (a crash mid-write) is ignored, the lines before it kept', async () => {
  const journal = await GenerationJournal.open(root, header, 60_000);
  journal.write('kept');
  await journal.close({ remove: false });
  await appendFile(journal.path, '{"text":"cut sh');
  assert.is((await findJournals(root))[0]?.content, 'kept');
});

test('a recovery file lands beside the conversation and names the generation', async () => {
  const journal = await GenerationJournal.open(root, header, 60_000);
  await journal.close({ remove: true });
  const file = await writeRecoveryFile(root, { conversation_file: header.conversation_file, generation_id: 'gen_1', content: 'lost?' });
  assert.is(file, 'data/conversations/demo/recovered-gen_1.json');
  assert.equal(JSON.parse(await readFile(join(root, file), 'utf8')), {
    conversation_file: header.conversation_file,
    generation_id: 'gen_1',
    content: 'lost?',
  });
  assert.ok((await stat(join(root, file))).isFile());
});

test.run();
