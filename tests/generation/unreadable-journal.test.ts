/**
 * @module Journals cut short as they were created (a process killed in its first checkpoint): empty, a torn
 * header, a header that is not one. Start-up recovery used to skip them and keep them forever; now it removes
 * them (they hold no reply) and still recovers the readable journals beside them.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync } from 'node:fs';
import { createEngine } from '../../src/engine.js';
import { createTempRoot, type TempRoot } from '../helpers/temp-root.js';

const test = suite('unreadable journals at start-up');
let temp: TempRoot;

test.before.each(() => {
  temp = createTempRoot();
  temp.writeConversation('demo', {
    roots: ['s'],
    nodes: { s: { pid: null, role: 'system', content: 'Be kind.' }, u: { pid: 's', role: 'user', content: 'Hi' } },
    active_path: ['s', 'u'],
  });
});
test.after.each(() => temp.cleanup());

test('empty, torn and headless journals are removed; a readable one beside them is recovered', async () => {
  const journals = 'data/conversations/demo/.journal';
  temp.write(`${journals}/gen_empty.jsonl`, '');
  temp.write(`${journals}/gen_torn.jsonl`, '{"generation_id":"gen_torn","conversation_fi');
  temp.write(`${journals}/gen_headless.jsonl`, '{"text":"no header"}\n');
  const header = {
    generation_id: 'gen_good',
    conversation_file: 'data/conversations/demo/conversation.json',
    parent_id: 'u',
    node_id: 'n_good',
    fill_target: false,
    started_at: '2026-11-22T00:00:00.000Z',
  };
  temp.write(`${journals}/gen_good.jsonl`, `${JSON.stringify(header)}\n{"text":"Hello"}\n`);

  const engine = await createEngine({ root: temp.root });
  await engine.close();

  assert.equal(
    engine.recovered.map((report) => [report.generation_id, report.node_id]),
    [['gen_good', 'n_good']],
  );
  assert.equal(readdirSync(temp.path(journals)), []);
  assert.is(
    temp.readJson<{ nodes: Record<string, { content: string }> }>('data/conversations/demo/conversation.json').nodes['n_good']?.content,
    'Hello',
  );
  assert.ok(existsSync(temp.path('data/conversations/demo/conversation.json')));
});

test.run();
