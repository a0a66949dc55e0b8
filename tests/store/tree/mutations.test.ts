import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { CallError } from '../../../src/lib/call-error.js';
import type { ConversationDoc } from '../../../src/store/tree/document.js';
import { freezeValue } from '../../../src/store/file/freeze.js';
import {
  appendMessage,
  createConversationDoc,
  deleteBranch,
  retryBranch,
  slugOf,
  switchBranch,
  truncateAfter,
  updateMessage,
  validateDoc,
  withChanges,
  type TreeMutation,
} from '../../../src/store/tree/index.js';
import { branchyTree, linearTree } from '../../helpers/conversation-trees.js';

const context = { now: 'NOW', where: 'f.json' };

/** Applies a mutation to a copy and checks the result validates; the input is frozen, so any change to it throws. */
function after(doc: ConversationDoc, mutate: (doc: ConversationDoc) => TreeMutation<unknown>): ConversationDoc {
  const frozen = freezeValue(doc);
  const result = withChanges(frozen, mutate(frozen).changes);
  assert.is(validateDoc(result), undefined);
  return result;
}

function failure(run: () => unknown): CallError {
  try {
    run();
  } catch (error) {
    return error as CallError;
  }
  assert.unreachable('expected a CallError');
  throw new Error('unreachable');
}

/** branchyTree with `changes` merged over its nodes and top-level fields. */
function branchy(top: Record<string, unknown>, nodes: Record<string, unknown> = {}): ConversationDoc {
  const base = branchyTree();
  const merged: Record<string, unknown> = { ...base.nodes, ...nodes };
  for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
  return { ...base, ...top, nodes: merged } as ConversationDoc;
}

const append = suite('append');

append('at the active leaf: the path follows, children gets the new node', () => {
  const result = after(branchyTree(), (doc) => appendMessage(doc, { nodeId: 'n1', pid: 'a4', role: 'user', content: 'Next' }, context));
  assert.equal(
    result,
    branchy(
      { children: { u1: ['a2', 'a1'], a4: ['n1'] }, active_path: ['r1', 'u1', 'a1', 'u2', 'a4', 'n1'], updated_at: 'NOW' },
      { n1: { pid: 'a4', role: 'user', content: 'Next', node_updated_at: 'NOW' } },
    ),
  );
});

append('under a parent that is not the leaf: a side branch, the active child is remembered', () => {
  const result = after(branchyTree(), (doc) => appendMessage(doc, { nodeId: 'n1', pid: 'u1', role: 'assistant', content: 'Yo.' }, context));
  assert.equal(
    result,
    branchy(
      { children: { u1: ['a2', 'a1', 'a3', 'n1'] }, updated_at: 'NOW', last_active_child: { u1: 'a1' } },
      { n1: { pid: 'u1', role: 'assistant', content: 'Yo.', node_updated_at: 'NOW' } },
    ),
  );
});

append('pid null adds a root; it becomes active only in a conversation without one', () => {
  const result = after(branchyTree(), (doc) =>
    appendMessage(doc, { nodeId: 'n1', pid: null, role: 'system', content: 'New start' }, context),
  );
  assert.equal(
    result,
    branchy(
      { roots: ['r1', 'r2', 'n1'], updated_at: 'NOW' },
      { n1: { pid: null, role: 'system', content: 'New start', node_updated_at: 'NOW' } },
    ),
  );
  const empty = after({ roots: [], nodes: {}, active_path: [] }, (doc) =>
    appendMessage(doc, { nodeId: 'n1', pid: null, role: 'system', content: 'S' }, context),
  );
  assert.equal(empty, {
    roots: ['n1'],
    nodes: { n1: { pid: null, role: 'system', content: 'S', node_updated_at: 'NOW' } },
    active_path: ['n1'],
    updated_at: 'NOW',
  });
});

append('a placeholder is made only when asked, and becomes the leaf', () => {
  const result = after(branchyTree(), (doc) =>
    appendMessage(doc, { nodeId: 'n1', pid: 'a4', role: 'user', content: 'Q', placeholderId: 'p1', meta: { source: 'test' } }, context),
  );
  assert.equal(
    result,
    branchy(
      {
        children: { u1: ['a2', 'a1'], a4: ['n1'], n1: ['p1'] },
        active_path: ['r1', 'u1', 'a1', 'u2', 'a4', 'n1', 'p1'],
        updated_at: 'NOW',
      },
      {
        n1: { pid: 'a4', role: 'user', content: 'Q', node_updated_at: 'NOW', meta: { source: 'test' } },
        p1: { pid: 'n1', role: 'assistant', content: '', node_updated_at: 'NOW' },
      },
    ),
  );
  const plain = after(branchyTree(), (doc) => appendMessage(doc, { nodeId: 'n2', pid: 'a4', role: 'assistant', content: 'A' }, context));
  assert.equal(Object.keys(plain.nodes).length, Object.keys(branchyTree().nodes).length + 1, 'an assistant append makes no placeholder');
});

append('the raw leaf decides, even when the stored path is broken before it', () => {
  const broken = { ...branchyTree(), active_path: ['r1', 'u1', 'a2', 'u2'] };
  const result = after(broken, (doc) => appendMessage(doc, { nodeId: 'n1', pid: 'u2', role: 'assistant', content: 'A' }, context));
  assert.equal(result.active_path, ['r1', 'u1', 'a1', 'u2', 'n1']);
  assert.equal(result['last_active_child'], { u1: 'a1', u2: 'n1' }, 'u2 now has two children (a4 and n1)');
});

append('a duplicate id is CONFLICT; a missing parent is NOT_FOUND naming it; nothing changes', () => {
  const duplicate = failure(() => appendMessage(branchyTree(), { nodeId: 'a1', pid: 'a4', role: 'user', content: 'x' }, context));
  assert.equal([duplicate.code, duplicate.message], ['CONFLICT', 'node a1 already exists in f.json']);
  const orphan = failure(() => appendMessage(branchyTree(), { nodeId: 'n1', pid: 'gone', role: 'user', content: 'x' }, context));
  assert.equal([orphan.code, orphan.message], ['NOT_FOUND', 'parent node gone is not in f.json (it may have been deleted)']);
});

append.run();

const update = suite('update');

update('content and meta; unknown fields of the node stay', () => {
  const result = after(branchyTree(), (doc) => updateMessage(doc, { nodeId: 'r1', content: 'Be brief.', meta: { by: 'hand' } }, context));
  assert.equal(
    result,
    branchy(
      { updated_at: 'NOW' },
      { r1: { pid: null, role: 'system', content: 'Be brief.', x_note: { keep: true }, node_updated_at: 'NOW', meta: { by: 'hand' } } },
    ),
  );
});

update('meta is replaced when given, removed with null', () => {
  const replaced = after(branchyTree(), (doc) => updateMessage(doc, { nodeId: 'a4', meta: { model: 'other', usage: null } }, context));
  assert.equal(replaced.nodes['a4'], {
    pid: 'u2',
    role: 'assistant',
    content: 'More.',
    meta: { model: 'other', usage: null },
    node_updated_at: 'NOW',
  });
  const removed = after(branchyTree(), (doc) => updateMessage(doc, { nodeId: 'a4', meta: null }, context));
  assert.equal(removed.nodes['a4'], { pid: 'u2', role: 'assistant', content: 'More.', node_updated_at: 'NOW' });
});

update('expected content: fills an empty node, refuses one that changed meanwhile', () => {
  const filled = after(branchyTree(), (doc) => updateMessage(doc, { nodeId: 'a3', content: 'Filled', expectedContent: '' }, context));
  assert.is(filled.nodes['a3']!.content, 'Filled');
  const refused = failure(() => updateMessage(branchyTree(), { nodeId: 'a1', content: 'x', expectedContent: '' }, context));
  assert.is(refused.code, 'CONFLICT');
  assert.match(refused.message, /node a1 in f.json no longer has the expected content/);
});

update('an unknown node is NOT_FOUND naming it', () => {
  const error = failure(() => updateMessage(branchyTree(), { nodeId: 'zz', content: 'x' }, context));
  assert.equal([error.code, error.message], ['NOT_FOUND', 'no node zz in f.json']);
});

update.run();

const remove = suite('delete and truncate');

remove('deleting the active branch moves to the sibling taking its place and continues down its branch', () => {
  // SmartTavern would pick the last sibling (a3) and stop there.
  const start = { ...branchyTree(), active_path: ['r1', 'u1', 'a2'] };
  const result = after(start, (doc) => deleteBranch(doc, 'a2', context));
  assert.equal(
    result,
    branchy(
      { children: { u1: ['a1', 'a3'] }, active_path: ['r1', 'u1', 'a1', 'u2', 'a4'], updated_at: 'NOW', last_active_child: { u1: 'a1' } },
      { a2: undefined },
    ),
  );
});

remove('deleting the last sibling on the path moves to the one before it', () => {
  const start = { ...branchyTree(), active_path: ['r1', 'u1', 'a3'] };
  const mutation = deleteBranch(freezeValue(start), 'a3', context);
  assert.equal(mutation.info, { deleted: ['a3'], neighbourId: 'a1', activePath: ['r1', 'u1', 'a1', 'u2', 'a4'] });
});

remove('a subtree goes with its node; children and memory entries of deleted nodes go too', () => {
  const start = { ...branchyTree(), last_active_child: { u1: 'a1' } };
  const result = after(start, (doc) => deleteBranch(doc, 'a1', context));
  assert.equal(
    result,
    branchy(
      { children: { u1: ['a2', 'a3'] }, active_path: ['r1', 'u1', 'a3'], updated_at: 'NOW', last_active_child: { u1: 'a3' } },
      { a1: undefined, u2: undefined, a4: undefined },
    ),
  );
});

remove('deleting a root removes it from roots and moves to the next root', () => {
  const result = after(branchyTree(), (doc) => deleteBranch(doc, 'r1', context));
  assert.equal(result, {
    name: 'Branchy',
    description: 'A tree for tests',
    roots: ['r2'],
    nodes: { r2: { pid: null, role: 'assistant', content: 'Another start' }, u3: { pid: 'r2', role: 'user', content: 'Go' } },
    children: {},
    active_path: ['r2', 'u3'],
    updated_at: 'NOW',
    x_top: 'kept',
  });
});

remove('deleting the last root leaves an empty, valid conversation', () => {
  const result = after(linearTree(2), (doc) => deleteBranch(doc, 's', context));
  assert.equal(result, { roots: [], nodes: {}, active_path: [], updated_at: 'NOW' });
});

remove('deleting off the active path leaves the path alone', () => {
  const result = after(branchyTree(), (doc) => deleteBranch(doc, 'u3', context));
  assert.equal(result, branchy({ updated_at: 'NOW' }, { u3: undefined }));
});

remove('truncate after keeps the node and makes it the leaf', () => {
  const result = after(branchyTree(), (doc) => truncateAfter(doc, 'u1', context));
  assert.equal(result, {
    ...branchy(
      { active_path: ['r1', 'u1'], updated_at: 'NOW' },
      { a1: undefined, a2: undefined, a3: undefined, u2: undefined, a4: undefined },
    ),
    children: {},
  });
});

remove('truncating after a leaf changes nothing', () => {
  assert.equal(truncateAfter(branchyTree(), 'a4', context).changes, []);
});

remove('unknown nodes are NOT_FOUND', () => {
  assert.is(failure(() => deleteBranch(branchyTree(), 'zz', context)).code, 'NOT_FOUND');
  assert.is(failure(() => truncateAfter(branchyTree(), 'zz', context)).code, 'NOT_FOUND');
});

remove.run();

const retry = suite('retry');

retry('on the active path: the new sibling replaces the retried node and what followed', () => {
  const result = after(branchyTree(), (doc) => retryBranch(doc, { retryNodeId: 'a1', newNodeId: 'n1', content: '' }, context));
  assert.equal(
    result,
    branchy(
      { children: { u1: ['a2', 'a1', 'a3', 'n1'] }, active_path: ['r1', 'u1', 'n1'], updated_at: 'NOW', last_active_child: { u1: 'n1' } },
      { n1: { pid: 'u1', role: 'assistant', content: '', node_updated_at: 'NOW' } },
    ),
  );
});

retry('off the active path: a side branch, the active child remembered', () => {
  const result = after(branchyTree(), (doc) =>
    retryBranch(doc, { retryNodeId: 'u3', newNodeId: 'n1', role: 'user', content: 'Again' }, context),
  );
  assert.equal(
    result,
    branchy(
      { children: { u1: ['a2', 'a1'], r2: ['u3', 'n1'] }, updated_at: 'NOW', last_active_child: { r2: 'u3' } },
      { n1: { pid: 'r2', role: 'user', content: 'Again', node_updated_at: 'NOW' } },
    ),
  );
});

retry('when the path ends at the parent, the new node is appended to it', () => {
  const start = { ...branchyTree(), active_path: ['r1', 'u1'] };
  const result = after(start, (doc) => retryBranch(doc, { retryNodeId: 'a2', newNodeId: 'n1', content: 'x' }, context));
  assert.equal(result.active_path, ['r1', 'u1', 'n1']);
});

retry('retrying a root adds a root (SmartTavern refused)', () => {
  const result = after(branchyTree(), (doc) => retryBranch(doc, { retryNodeId: 'r1', newNodeId: 'n1', content: 'Other system' }, context));
  assert.equal(result.roots, ['r1', 'r2', 'n1']);
  assert.equal(result.active_path, ['n1']);
});

retry('unknown node NOT_FOUND, taken id CONFLICT', () => {
  assert.is(failure(() => retryBranch(branchyTree(), { retryNodeId: 'zz', newNodeId: 'n1', content: '' }, context)).code, 'NOT_FOUND');
  assert.is(failure(() => retryBranch(branchyTree(), { retryNodeId: 'a1', newNodeId: 'a2', content: '' }, context)).code, 'CONFLICT');
});

retry.run();

const switching = suite('switch');

switching('at any depth, and back: the branch last active under the sibling is restored', () => {
  const toA2 = after(branchyTree(), (doc) => switchBranch(doc, { depth: 3, targetJ: 1 }, context));
  assert.equal(toA2, branchy({ active_path: ['r1', 'u1', 'a2'], updated_at: 'NOW', last_active_child: { u1: 'a2' } }));
  const back = after(toA2, (doc) => switchBranch(doc, { nodeId: 'a2', targetJ: 2 }, context));
  assert.equal(back.active_path, ['r1', 'u1', 'a1', 'u2', 'a4']);
  assert.equal(back['last_active_child'], { u1: 'a1' });
});

switching('between roots, and back to the whole branch under the first root', () => {
  const start = { ...branchyTree(), last_active_child: { u1: 'a1' } };
  const toR2 = after(start, (doc) => switchBranch(doc, { depth: 1, targetJ: 2 }, context));
  assert.equal(toR2.active_path, ['r2', 'u3']);
  const back = after(toR2, (doc) => switchBranch(doc, { depth: 1, targetJ: 1 }, context));
  assert.equal(back.active_path, ['r1', 'u1', 'a1', 'u2', 'a4']);
});

switching('siblings known only by pid can be switched (SmartTavern failed with "No siblings found")', () => {
  const start = branchyTree();
  delete start.children;
  const mutation = switchBranch(freezeValue(start), { nodeId: 'a1', targetJ: 3 }, context);
  assert.equal(mutation.info, { nodeId: 'a3', j: 3, n: 3, activePath: ['r1', 'u1', 'a3'] });
});

switching('switching to where the path already is changes nothing', () => {
  assert.equal(switchBranch(branchyTree(), { targetJ: 1 }, context).changes, []);
});

switching('out of range, unknown node and a depth past the path are refused', () => {
  const range = failure(() => switchBranch(branchyTree(), { depth: 3, targetJ: 4 }, context));
  assert.equal(
    [range.code, range.message],
    ['BAD_INPUT', 'target_j 4 is out of range: node a1 in f.json has 3 sibling(s), numbered 1 to 3'],
  );
  assert.is(failure(() => switchBranch(branchyTree(), { nodeId: 'zz', targetJ: 1 }, context)).code, 'NOT_FOUND');
  assert.is(failure(() => switchBranch(branchyTree(), { depth: 9, targetJ: 1 }, context)).code, 'BAD_INPUT');
});

switching.run();

const create = suite('create');

create('greetings become roots without a system prompt', () => {
  assert.equal(createConversationDoc({ name: 'Chat', greetings: ['Hi', ' ', 'Hello'], now: 'NOW' }), {
    name: 'Chat',
    description: '',
    roots: ['n_root1', 'n_root2'],
    nodes: {
      n_root1: { pid: null, role: 'assistant', content: 'Hi', node_updated_at: 'NOW' },
      n_root2: { pid: null, role: 'assistant', content: 'Hello', node_updated_at: 'NOW' },
    },
    children: {},
    active_path: ['n_root1'],
    updated_at: 'NOW',
  });
});

create('a system prompt is the root and greetings its children', () => {
  assert.equal(
    createConversationDoc({ name: 'Chat', description: 'd', systemPrompt: 'Be kind.', greetings: ['Hi', 'Hello'], now: 'NOW' }),
    {
      name: 'Chat',
      description: 'd',
      roots: ['n_root1'],
      nodes: {
        n_root1: { pid: null, role: 'system', content: 'Be kind.', node_updated_at: 'NOW' },
        n_greeting1: { pid: 'n_root1', role: 'assistant', content: 'Hi', node_updated_at: 'NOW' },
        n_greeting2: { pid: 'n_root1', role: 'assistant', content: 'Hello', node_updated_at: 'NOW' },
      },
      children: { n_root1: ['n_greeting1', 'n_greeting2'] },
      active_path: ['n_root1', 'n_greeting1'],
      updated_at: 'NOW',
      last_active_child: { n_root1: 'n_greeting1' },
    },
  );
});

create("slugs: SmartTavern's rule, made safe", () => {
  assert.is(slugOf('  My: chat?  '), 'My- chat-');
  assert.is(slugOf('../../etc/passwd'), '-..-etc-passwd');
  assert.is(slugOf('..'), 'conversation');
  assert.is(slugOf('a\u0000b\nc'), 'abc');
  assert.is(slugOf('Trailing dots...'), 'Trailing dots');
  assert.is(slugOf('对话'), '对话');
  assert.is(slugOf('x'.repeat(300)).length, 100);
});

create.run();
