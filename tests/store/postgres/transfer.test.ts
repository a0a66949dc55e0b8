import { readFileSync } from 'node:fs';
import pg from 'pg';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '../../../src/lib/logger.js';
import { exportConversations, importConversations, migrateDatabase } from '../../../src/store/postgres/transfer.js';
import { readMigrations } from '../../../src/store/postgres/migrations.js';
import { branchyTree } from '../../helpers/conversation-trees.js';
import { createTempRoot, type TempRoot } from '../../helpers/temp-root.js';
import { createTestDatabase, serviceAvailable, type TestDatabase } from '../../helpers/services.js';

if (await serviceAvailable('postgres', 'tests/store/postgres/transfer.test.ts')) {
  const test = suite('PostgreSQL store: migrate, import, export');
  let database: TestDatabase;
  let source: TempRoot;
  let target: TempRoot;

  test.before.each(async () => {
    database = await createTestDatabase();
    source = createTempRoot();
    target = createTempRoot();
  });
  test.after.each(async () => {
    await database.drop();
    source.cleanup();
    target.cleanup();
  });

  test('migrate applies every SQL file once, in order', async () => {
    const names = (await readMigrations()).map((migration) => migration.name);
    assert.equal(await migrateDatabase({ url: database.url, logger: silentLogger }), names);
    assert.equal(await migrateDatabase({ url: database.url, logger: silentLogger }), []);
  });

  test('import then export gives back every tree and settings file byte for byte', async () => {
    // Texts no serialiser would produce: odd key order, 4-space indent, no final newline, unknown fields, CRLF.
    const texts: Record<string, string> = {
      plain: JSON.stringify(branchyTree(), null, 2) + '\n',
      unicode: JSON.stringify({ ...branchyTree(), name: 'Gespräch 对话 🌊', zeta: { b: 1, a: [2, 1] } }, null, 2) + '\n',
      indented: JSON.stringify({ z: true, ...branchyTree() }, null, 4),
      crlf: JSON.stringify({ roots: [], nodes: {}, active_path: [] }, null, 2).replaceAll('\n', '\r\n') + '\r\n',
    };
    for (const [slug, text] of Object.entries(texts)) source.writeConversation(slug, text);
    source.write('data/conversations/plain/settings.json', '{ "llm_config": "data/llm_configs/mock.json",  "x": 1 }\n');
    const report = await importConversations({ url: database.url, root: source.root, logger: silentLogger });
    assert.equal(report, {
      imported: ['crlf', 'indented', 'plain', 'unicode'].map((slug) => `data/conversations/${slug}/conversation.json`),
      replaced: [],
      skipped: [],
      invalid: [],
    });
    const exported = await exportConversations({ url: database.url, root: target.root, logger: silentLogger });
    assert.is(exported.written.length, 4);
    for (const [slug, text] of Object.entries(texts)) {
      assert.is(readFileSync(target.path(`data/conversations/${slug}/conversation.json`), 'utf8'), text, slug);
    }
    assert.is(
      readFileSync(target.path('data/conversations/plain/settings.json'), 'utf8'),
      '{ "llm_config": "data/llm_configs/mock.json",  "x": 1 }\n',
    );
  });

  test('a file that does not parse or validate is reported and not imported', async () => {
    source.writeConversation('good', branchyTree());
    source.writeConversation('unparsable', '{ "roots": [');
    source.writeConversation('invalid', { roots: 'x', nodes: {}, active_path: [] });
    source.writeConversation('bad_settings', branchyTree(), { llm_config: 5 });
    const report = await importConversations({ url: database.url, root: source.root, logger: silentLogger });
    assert.equal(report.imported, ['data/conversations/good/conversation.json']);
    assert.equal(
      report.invalid.map((entry) => entry.file),
      [
        'data/conversations/bad_settings/conversation.json',
        'data/conversations/invalid/conversation.json',
        'data/conversations/unparsable/conversation.json',
      ],
    );
    assert.match(report.invalid[0]!.message, /^data\/conversations\/bad_settings\/settings.json at \/llm_config/);
    assert.match(report.invalid[1]!.message, /^data\/conversations\/invalid\/conversation.json at \/roots/);
  });

  test('an existing conversation is kept unless replace; replacing moves its version on', async () => {
    source.writeConversation('demo', branchyTree());
    await importConversations({ url: database.url, root: source.root, logger: silentLogger });
    const edited = { ...branchyTree(), name: 'edited' };
    source.writeConversation('demo', edited);
    const file = 'data/conversations/demo/conversation.json';
    assert.equal((await importConversations({ url: database.url, root: source.root, logger: silentLogger })).skipped, [file]);
    assert.equal((await importConversations({ url: database.url, root: source.root, logger: silentLogger, replace: true })).replaced, [
      file,
    ]);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const row = await client.query<{ version: string; name: string }>(
        `SELECT version::text AS version, tree->>'name' AS name FROM conversations WHERE file = $1`,
        [file],
      );
      assert.equal(row.rows[0], { version: '2', name: 'edited' });
    } finally {
      await client.end();
    }
  });

  test.run();
}
