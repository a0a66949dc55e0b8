import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConversationDoc } from '../../../src/store/tree/document.js';
import { validateDoc } from '../../../src/store/tree/index.js';
import { branchyTree } from '../../helpers/conversation-trees.js';
import { createHarness } from './setup.js';

const test = suite('chat_branches: concurrent appends');

for (const [label, workerThreshold] of [
  ['main thread', Number.POSITIVE_INFINITY],
  ['writer thread', 0],
] as const) {
  test(`50 concurrent append_message calls on one file: 50 new nodes, a valid file (${label})`, async () => {
    const harness = createHarness({ workerThreshold });
    try {
      const file = harness.temp.writeConversation('demo', branchyTree());
      const outputs = await Promise.all(
        Array.from({ length: 50 }, (_, index) =>
          harness.api.call<{ appended_node_id: string }>('modules/chat_branches/append_message', {
            file,
            pid: 'a4',
            role: 'user',
            content: `message ${index}`,
            return_mode: 'none',
          }),
        ),
      );
      const doc = harness.temp.readJson<ConversationDoc>(file);
      assert.is(validateDoc(doc), undefined);
      const appended = outputs.map((output) => output.appended_node_id);
      assert.is(new Set(appended).size, 50, 'every generated id is unique');
      assert.equal(Object.keys(doc.nodes).slice(9).sort(), [...appended].sort());
      assert.equal(doc.children?.['a4']?.length, 50);
      // The first append moved the active path (a4 was the leaf); the others became its siblings.
      assert.is(doc.active_path.length, 6);
      assert.equal(await harness.store.read(file), doc);
    } finally {
      await harness.close();
    }
  });
}

test.run();
