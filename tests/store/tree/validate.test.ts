import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConversationDoc } from '../../../src/store/tree/document.js';
import { validateChanges, validateDoc } from '../../../src/store/tree/index.js';
import { branchyTree } from '../../helpers/conversation-trees.js';

const test = suite('tree validation');

function broken(edit: (doc: Record<string, any>) => void): unknown {
  const doc = branchyTree() as Record<string, any>;
  edit(doc);
  return validateDoc(doc);
}

test('a good tree, and an empty one, validate', () => {
  assert.is(validateDoc(branchyTree()), undefined);
  assert.is(validateDoc({ roots: [], nodes: {}, active_path: [] }), undefined);
});

test('each problem is named by the JSON pointer of the first offending field', () => {
  assert.equal(validateDoc([]), { pointer: '', message: 'must be a JSON object with roots, nodes and active_path' });
  assert.equal(
    broken((doc) => delete doc['nodes']),
    { pointer: '/nodes', message: 'is required' },
  );
  assert.equal(
    broken((doc) => (doc['roots'] = 'r1')),
    { pointer: '/roots', message: 'must be an array of node ids' },
  );
  assert.equal(
    broken((doc) => (doc['active_path'] = ['r1', 3])),
    { pointer: '/active_path/1', message: 'must be a node id (a string)' },
  );
  assert.equal(
    broken((doc) => (doc['children'] = { u1: 'a1' })),
    { pointer: '/children/u1', message: 'must be an array of node ids' },
  );
  assert.equal(
    broken((doc) => (doc['name'] = 5)),
    { pointer: '/name', message: 'must be a string' },
  );
  assert.equal(
    broken((doc) => (doc['nodes']['a1'].role = 'tool')),
    { pointer: '/nodes/a1/role', message: 'must be "system", "user" or "assistant"' },
  );
  assert.equal(
    broken((doc) => (doc['nodes']['a1'].content = null)),
    { pointer: '/nodes/a1/content', message: 'must be a string' },
  );
  assert.equal(
    broken((doc) => (doc['nodes']['a1'].pid = 'ghost')),
    { pointer: '/nodes/a1/pid', message: 'names node ghost, which is not in /nodes' },
  );
  assert.equal(
    broken((doc) => (doc['nodes']['a1'].meta = [])),
    { pointer: '/nodes/a1/meta', message: 'must be an object' },
  );
  assert.equal(
    broken((doc) => (doc['nodes']['a b/c'] = { pid: null, role: 'user', content: '' })),
    {
      pointer: '/nodes/a b~1c',
      message: 'node ids may hold only letters, digits, "_" and "-" (1 to 128)',
    },
  );
});

test('a parent loop is found', () => {
  const problem = broken((doc) => {
    doc['nodes']['u1'].pid = 'u2';
  });
  assert.equal(problem, { pointer: '/nodes/u1/pid', message: 'is part of a parent loop that never reaches a root' });
});

test('dangling ids in roots, children and active_path are tolerated (the views skip them)', () => {
  assert.is(
    broken((doc) => {
      doc['roots'].push('gone');
      doc['children']['u1'].push('gone');
      doc['active_path'].push('gone');
    }),
    undefined,
  );
});

test('changes: a new node needs an existing parent; a delete must not orphan children', () => {
  const doc = branchyTree();
  assert.is(validateChanges(doc, [{ path: ['nodes', 'n1'], value: { pid: 'a4', role: 'user', content: 'x' } }]), undefined);
  assert.equal(validateChanges(doc, [{ path: ['nodes', 'n1'], value: { pid: 'gone', role: 'user', content: 'x' } }]), {
    pointer: '/nodes/n1/pid',
    message: 'names node gone, which is not in /nodes',
  });
  assert.equal(validateChanges(doc, [{ path: ['nodes', 'u2'], delete: true }]), {
    pointer: '/nodes/a4/pid',
    message: 'names node u2, which is being deleted',
  });
  assert.is(
    validateChanges(doc, [
      { path: ['nodes', 'a4'], delete: true },
      { path: ['nodes', 'u2'], delete: true },
    ]),
    undefined,
  );
});

test('changes: loops through moved or new nodes are found', () => {
  const doc = branchyTree();
  assert.equal(validateChanges(doc, [{ path: ['nodes', 'u1'], value: { pid: 'a4', role: 'user', content: 'Hi' } }]), {
    pointer: '/nodes/u1/pid',
    message: 'would make a parent loop that never reaches a root',
  });
  assert.equal(
    validateChanges(doc, [
      { path: ['nodes', 'x'], value: { pid: 'y', role: 'user', content: '' } },
      { path: ['nodes', 'y'], value: { pid: 'x', role: 'user', content: '' } },
    ]),
    { pointer: '/nodes/x/pid', message: 'would make a parent loop that never reaches a root' },
  );
});

test('changes: values must be JSON, required fields stay, entries go into objects', () => {
  const doc = branchyTree();
  assert.equal(
    validateChanges(doc, [{ path: ['nodes', 'n1'], value: { pid: 'a4', role: 'user', content: 'x', meta: { at: new Date(0) } } }]),
    {
      pointer: '/nodes/n1/meta/at',
      message: 'must be JSON (got object)',
    },
  );
  assert.equal(validateChanges(doc, [{ path: ['x_top'], value: Number.NaN }]), { pointer: '/x_top', message: 'must be a finite number' });
  assert.equal(validateChanges(doc, [{ path: ['roots'], delete: true }]), { pointer: '/roots', message: 'is required' });
  assert.equal(validateChanges(doc, [{ path: ['name', 'x'], value: 1 }]), { pointer: '/name', message: 'must be an object to hold "x"' });
  const withUndefined = { pid: 'a4', role: 'user', content: 'x', meta: undefined } as unknown as ConversationDoc['nodes'][string];
  assert.is(validateChanges(doc, [{ path: ['nodes', 'n1'], value: withUndefined }]), undefined, 'undefined fields are absent, as in JSON');
});

test.run();
