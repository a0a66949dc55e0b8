/** What an in-place edit changed, told apart from what the engine changed since the version both started from. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { editDifferences, hasEdits } from '../../../src/store/tree/edit-diff.js';
import type { ConversationDoc } from '../../../src/store/tree/document.js';
import { linearTree } from '../../helpers/conversation-trees.js';

const test = suite('editDifferences');

test("places only the edit wrote are its edits; places both wrote are conflicts; the engine's own are left out", () => {
  const start = { ...linearTree(2), x_title: 'old', x_gone: 1 } as ConversationDoc;
  // The engine, since: a reply under t2, t1's content, the active path and updated_at.
  const current = structuredClone(start);
  current.nodes['reply'] = { pid: 't2', role: 'assistant', content: 'saved' };
  current.nodes['t1'] = { ...current.nodes['t1']!, content: 'engine changed t1' };
  current.active_path = [...current.active_path, 'reply'];
  current.updated_at = 'later';
  // The edit, from the same start: a new node, t1 and t2 changed, a field set, one removed, the path moved.
  const edited = structuredClone(start) as ConversationDoc & { x_title?: string; x_gone?: number };
  edited.nodes['hand'] = { pid: 't1', role: 'user', content: 'by hand' };
  edited.nodes['t1'] = { ...edited.nodes['t1']!, content: 'hand changed t1' };
  edited.nodes['t2'] = { ...edited.nodes['t2']!, content: 'hand changed t2' };
  edited.x_title = 'new';
  delete edited.x_gone;
  edited.active_path = ['s', 't1', 'hand'];
  const engineChanged = new Set(['nodes/reply', 'nodes/t1', 'active_path', 'updated_at', 'children/t2']);
  const found = editDifferences(edited, current, engineChanged);
  assert.equal(found, {
    nodeIds: ['t2', 'hand'],
    nodes: {
      t2: { pid: 't1', role: 'assistant', content: 'hand changed t2' },
      hand: { pid: 't1', role: 'user', content: 'by hand' },
    },
    deletedNodeIds: [],
    fields: { x_title: 'new' },
    removedFields: ['x_gone'],
    conflicts: ['nodes/t1'],
  });
  assert.ok(hasEdits(found));
});

test('an edit that wrote the same content as the file changed nothing', () => {
  const doc = linearTree(2);
  const found = editDifferences(structuredClone(doc), doc, new Set());
  assert.equal(found, { nodeIds: [], nodes: {}, deletedNodeIds: [], fields: {}, removedFields: [], conflicts: [] });
  assert.not.ok(hasEdits(found));
});

test.run();
