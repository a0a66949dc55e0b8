import pg from 'pg';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine } from '../../../src/engine.js';
import type { ConversationDoc } from '../../../src/store/tree/document.js';
import { createTempRoot } from '../../helpers/temp-root.js';
import { createTestDatabase, serviceAvailable } from '../../helpers/services.js';
import { failure } from '../../helpers/call-failure.js';

if (await serviceAvailable('postgres', 'tests/store/postgres/engine-on-postgres.test.ts')) {
  const test = suite('the engine on PostgreSQL (BRANCHFLOW_STORE)');

  test('a conversation created and completed through the api lives in the database, not in data/', async () => {
    const database = await createTestDatabase();
    const temp = createTempRoot();
    temp.writeLlmConfig('mock', { provider: 'mock', mock: { text: 'A reply from the database.', chunk_size: 5 } });
    const engine = await createEngine({ root: temp.root, env: { BRANCHFLOW_STORE: database.url } });
    try {
      const created = await engine.api.call<{ file: string; root_node_id: string }>('modules/chat_branches/create_conversation', {
        name: 'On PostgreSQL',
        system_prompt: 'Be brief.',
        llm_config: 'data/llm_configs/mock.json',
      });
      await engine.api.call('modules/chat_branches/append_message', {
        file: created.file,
        pid: created.root_node_id,
        role: 'user',
        content: 'Hello?',
      });
      const events: { type: string }[] = [];
      for await (const event of engine.api.stream<{ type: string }>('workflow/chat_completion/complete_stream', {
        conversation_file: created.file,
      }))
        events.push(event);
      assert.equal(
        events.map((event) => event.type),
        ['start', 'chunk', 'chunk', 'chunk', 'chunk', 'chunk', 'chunk', 'finish', 'usage', 'saved', 'end'],
      );
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      const row = await client.query<{ tree_text: string }>('SELECT tree_text FROM conversations WHERE file = $1', [created.file]);
      await client.end();
      const doc = JSON.parse(row.rows[0]!.tree_text) as ConversationDoc;
      const leaf = doc.nodes[doc.active_path.at(-1)!]!;
      assert.equal([leaf.role, leaf.content], ['assistant', 'A reply from the database.']);
      assert.equal(
        Object.values(doc.nodes).filter((node) => node.content === 'A reply from the database.').length,
        1,
        'saved exactly once',
      );
    } finally {
      await engine.close();
      await database.drop();
      temp.cleanup();
    }
  });

  test('a BRANCHFLOW_STORE that is not a postgres URL is a start-up error naming it', async () => {
    const temp = createTempRoot();
    try {
      const error = await failure(createEngine({ root: temp.root, env: { BRANCHFLOW_STORE: 'mysql://localhost/x' } }));
      assert.equal(
        [error.code, error.message],
        ['BAD_INPUT', 'BRANCHFLOW_STORE must be a postgres:// URL (or unset, or "files", for the file store)'],
      );
    } finally {
      temp.cleanup();
    }
  });

  test.run();
}
