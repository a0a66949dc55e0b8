/** `branchflow db migrate | import | export` against a real PostgreSQL database of its own. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { branchyTree } from '../helpers/conversation-trees.js';
import { createTestDatabase, serviceAvailable, type TestDatabase } from '../helpers/services.js';
import { createTempRoot, type TempRoot } from '../helpers/temp-root.js';
import { runIn } from './cli-kit.js';

if (await serviceAvailable('postgres', 'tests/cli/db.test.ts')) {
  const test = suite('cli: db');
  let database: TestDatabase;
  let root: TempRoot;
  test.before.each(async () => {
    database = await createTestDatabase();
    root = createTempRoot('branchflow-cli-db-');
  });
  test.after.each(async () => {
    await database.drop();
    root.cleanup();
  });

  test('migrate, import, then export into an empty folder gives back the same bytes', async () => {
    const env = { BRANCHFLOW_STORE: database.url };
    const text = JSON.stringify({ zeta: 1, ...branchyTree() }, null, 4);
    root.write('data/conversations/kept/conversation.json', text);
    assert.equal(await runIn(root, ['db', 'migrate'], '', env), { code: 0, stdout: 'applied 001_init.sql\n', stderr: '' });
    assert.equal(await runIn(root, ['db', 'migrate'], '', env), { code: 0, stdout: 'the database schema is up to date\n', stderr: '' });
    assert.equal(await runIn(root, ['db', 'import'], '', env), {
      code: 0,
      stdout: 'imported 1, replaced 0, left 0 as they were\n',
      stderr: '',
    });
    root.write('data/conversations/kept/conversation.json', '{}');
    assert.equal(await runIn(root, ['db', 'export'], '', env), {
      code: 0,
      stdout: 'exported 1 conversation(s) to data/conversations/\n',
      stderr: '',
    });
    assert.is(root.readText('data/conversations/kept/conversation.json'), text);
  });

  test('a file that does not validate is named and not imported: exit 1', async () => {
    root.write('data/conversations/broken/conversation.json', '{"roots": 5}');
    const run = await runIn(root, ['db', 'import'], '', { BRANCHFLOW_STORE: database.url });
    assert.is(run.code, 1);
    assert.match(
      run.stdout,
      /^imported 0, replaced 0, left 0 as they were\nnot imported: data\/conversations\/broken\/conversation.json: /,
    );
  });

  test('without BRANCHFLOW_STORE: a usage error naming the setting', async () => {
    assert.equal(await runIn(root, ['db', 'migrate']), {
      code: 2,
      stdout: '',
      stderr: 'branchflow: set BRANCHFLOW_STORE=postgres://... to name the database\nsee: branchflow db --help\n',
    });
  });

  test.run();
}
