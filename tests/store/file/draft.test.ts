import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConversationDoc } from '../../../src/store/tree/document.js';
import { createDraft } from '../../../src/store/file/draft.js';
import { freezeValue } from '../../../src/store/file/freeze.js';
import { withChanges } from '../../../src/store/tree/index.js';
import { branchyTree } from '../../helpers/conversation-trees.js';

const test = suite('copy-on-write draft');

function edit(change: (doc: ConversationDoc) => void): { changes: unknown; result: ConversationDoc; base: ConversationDoc } {
  const base = freezeValue(branchyTree());
  const draft = createDraft(base);
  change(draft.doc);
  const changes = draft.finish();
  return { changes, result: withChanges(base, changes), base };
}

test('reads see the tree; nothing changed gives no changes', () => {
  const { changes } = edit((doc) => {
    assert.is(doc.nodes['a1']!.content, 'Hello.');
    assert.equal(Object.keys(doc), ['name', 'description', 'roots', 'nodes', 'children', 'active_path', 'updated_at', 'x_top']);
    assert.ok(
      'u1' in doc.nodes && Object.hasOwn(doc.nodes, 'u1') && !('constructor' in doc.nodes && Object.hasOwn(doc.nodes, 'constructor')),
    );
  });
  assert.equal(changes, []);
});

test('a nested edit becomes one replaced entry; the live tree is untouched', () => {
  const { changes, result, base } = edit((doc) => {
    doc.nodes['a4']!.content = 'Changed';
    doc.nodes['a4']!.meta!['model'] = 'other';
  });
  assert.equal(changes, [{ path: ['nodes', 'a4'], value: { pid: 'u2', role: 'assistant', content: 'Changed', meta: { model: 'other' } } }]);
  assert.is(base.nodes['a4']!.content, 'More.');
  assert.is(result.nodes['a4']!.content, 'Changed');
});

test('adds, deletes and re-adds keep JavaScript key order', () => {
  const { changes, result } = edit((doc) => {
    doc.nodes['n1'] = { pid: 'a4', role: 'user', content: 'x' };
    delete doc.nodes['u3'];
    delete (doc as Record<string, unknown>)['description'];
    (doc as Record<string, unknown>)['description'] = 'again';
    doc.active_path.push('n1');
  });
  assert.equal(Object.keys(result), ['name', 'roots', 'nodes', 'children', 'active_path', 'updated_at', 'x_top', 'description']);
  assert.equal(Object.keys(result.nodes), ['r1', 'u1', 'a1', 'a2', 'a3', 'u2', 'a4', 'r2', 'n1']);
  assert.equal(result.active_path, ['r1', 'u1', 'a1', 'u2', 'a4', 'n1']);
  assert.equal((changes as unknown[]).length, 5);
});

test('a draft object assigned elsewhere is copied out as plain data', () => {
  const { result } = edit((doc) => {
    (doc as Record<string, unknown>)['backup'] = doc.children;
    doc.nodes['copy'] = { ...doc.nodes['a4']!, pid: 'a4' };
  });
  assert.equal(result['backup'], { u1: ['a2', 'a1'] });
  assert.equal(result.nodes['copy'], { pid: 'a4', role: 'assistant', content: 'More.', meta: { model: 'mock' } });
});

test.run();
