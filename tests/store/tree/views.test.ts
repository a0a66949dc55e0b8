import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { CallError } from '../../../src/lib/call-error.js';
import type { ConversationDoc } from '../../../src/store/tree/document.js';
import {
  branchTable,
  descend,
  latestMessage,
  latestOf,
  normaliseActivePath,
  openaiMessages,
  pathTo,
  rootIds,
  siblingsOf,
} from '../../../src/store/tree/index.js';
import { branchyTree, linearTree } from '../../helpers/conversation-trees.js';

const test = suite('tree views');

test('siblings: the explicit list first, then nodes pointing there in nodes order', () => {
  assert.equal(siblingsOf(branchyTree(), 'u1'), ['a2', 'a1', 'a3']);
});

test('siblings: without children, nodes order alone', () => {
  const doc = branchyTree();
  delete doc.children;
  assert.equal(siblingsOf(doc, 'u1'), ['a1', 'a2', 'a3']);
});

test('siblings: listed ids that do not exist, repeat, or belong to another parent are skipped', () => {
  const doc = branchyTree();
  doc.children = { u1: ['gone', 'a3', 'a3', 'u2'] };
  assert.equal(siblingsOf(doc, 'u1'), ['a3', 'a1', 'a2']);
});

test('roots follow the same rule: listed roots, then any other parentless node', () => {
  const doc = branchyTree();
  doc.roots = ['r2', 'deleted_root'];
  assert.equal(rootIds(doc), ['r2', 'r1']);
});

test('the active path is kept while each element is a child of the previous', () => {
  assert.equal(normaliseActivePath(branchyTree()), ['r1', 'u1', 'a1', 'u2', 'a4']);
});

test('a broken active path stops at the first break', () => {
  const doc = branchyTree();
  doc.active_path = ['r1', 'u1', 'a2', 'u2', 'a4'];
  assert.equal(normaliseActivePath(doc), ['r1', 'u1', 'a2']);
  doc.active_path = ['r1', 'u1', 'missing', 'a4'];
  assert.equal(normaliseActivePath(doc), ['r1', 'u1']);
});

test('an active path not starting at a root falls back to the first root (as SmartTavern)', () => {
  const doc = branchyTree();
  doc.active_path = ['u1', 'a1'];
  assert.equal(normaliseActivePath(doc), ['r1']);
  doc.active_path = [];
  assert.equal(normaliseActivePath(doc), ['r1']);
  assert.equal(normaliseActivePath({ roots: [], nodes: {}, active_path: ['x'] }), []);
});

test('a remembered normalised path follows a replaced active_path and later deletes', () => {
  const doc = linearTree(4);
  assert.equal(normaliseActivePath(doc), ['s', 't1', 't2', 't3', 't4']);
  doc.active_path = ['s', 't1', 't2'];
  assert.equal(normaliseActivePath(doc), ['s', 't1', 't2']);
});

test('pathTo walks root to node; unknown nodes are NOT_FOUND naming them', () => {
  const doc = branchyTree();
  assert.equal(pathTo(doc, 'a3', 'f.json'), ['r1', 'u1', 'a3']);
  assert.equal(pathTo(doc, 'u2', 'f.json'), ['r1', 'u1', 'a1', 'u2']);
  try {
    pathTo(doc, 'nope', 'f.json');
    assert.unreachable();
  } catch (error) {
    assert.equal([(error as CallError).code, (error as CallError).message], ['NOT_FOUND', 'no node nope in f.json']);
  }
});

test('branch table: j/n per depth, roots counted at depth 1', () => {
  assert.equal(branchTable(branchyTree()), {
    latest: { depth: 5, node_id: 'a4', j: 1, n: 1 },
    levels: [
      { depth: 1, node_id: 'r1', j: 1, n: 2 },
      { depth: 2, node_id: 'u1', j: 1, n: 1 },
      { depth: 3, node_id: 'a1', j: 2, n: 3 },
      { depth: 4, node_id: 'u2', j: 1, n: 1 },
      { depth: 5, node_id: 'a4', j: 1, n: 1 },
    ],
  });
});

test('latest of an empty conversation is all nulls (SmartTavern shape)', () => {
  const empty: ConversationDoc = { roots: [], nodes: {}, active_path: [] };
  assert.equal(latestOf(empty), { depth: 0, node_id: null, j: null, n: null });
  assert.equal(branchTable(empty), { latest: { depth: 0, node_id: null, j: null, n: null }, levels: [] });
});

test('openai messages follow the active path', () => {
  assert.equal(openaiMessages(branchyTree(), 'f.json'), {
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello.' },
      { role: 'user', content: 'Tell me more' },
      { role: 'assistant', content: 'More.' },
    ],
    path: ['r1', 'u1', 'a1', 'u2', 'a4'],
  });
});

test('openai messages leave out empty assistant nodes at the leaf and in the middle', () => {
  const doc = branchyTree();
  doc.nodes['a1'] = { ...doc.nodes['a1']!, content: '  \n' };
  doc.nodes['x'] = { pid: 'a4', role: 'assistant', content: '' };
  doc.active_path = ['r1', 'u1', 'a1', 'u2', 'a4', 'x'];
  const { messages, path } = openaiMessages(doc, 'f.json');
  assert.equal(
    messages.map((message) => message.content),
    ['You are terse.', 'Hi', 'Tell me more', 'More.'],
  );
  assert.equal(path, ['r1', 'u1', 'a1', 'u2', 'a4', 'x']);
});

test('openai messages up to a given node instead of the active path', () => {
  assert.equal(openaiMessages(branchyTree(), 'f.json', 'a2'), {
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hey.' },
    ],
    path: ['r1', 'u1', 'a2'],
  });
});

test('latest message, and NOT_FOUND for an empty conversation', () => {
  assert.equal(latestMessage(branchyTree(), 'f.json'), { node_id: 'a4', role: 'assistant', content: 'More.', depth: 5 });
  try {
    latestMessage({ roots: [], nodes: {}, active_path: [] }, 'f.json');
    assert.unreachable();
  } catch (error) {
    assert.is((error as CallError).code, 'NOT_FOUND');
  }
});

test('descend: the remembered child, else the only one, else the newest, down to a leaf', () => {
  const doc = branchyTree();
  assert.equal(descend(doc, 'r1'), ['u1', 'a3']);
  doc['last_active_child'] = { u1: 'a1' };
  assert.equal(descend(doc, 'r1'), ['u1', 'a1', 'u2', 'a4']);
  doc['last_active_child'] = { u1: 'u3' };
  assert.equal(descend(doc, 'r1'), ['u1', 'a3'], 'a remembered id that is not a child is ignored');
});

test.run();
