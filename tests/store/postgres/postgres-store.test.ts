import pg from 'pg';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '../../../src/lib/logger.js';
import { openPostgresStore, type PostgresStore } from '../../../src/store/postgres/postgres-store.js';
import { createTempRoot } from '../../helpers/temp-root.js';
import { createTestDatabase, serviceAvailable, type TestDatabase } from '../../helpers/services.js';
import { failure } from '../../helpers/call-failure.js';
import { branchyTree } from '../../helpers/conversation-trees.js';
import { storeContractSuite, type StoreWorld } from '../store-suite.js';

/** Writes a row the way a person editing in psql would: no writer tag, so the servers see an external change. */
async function putByHand(url: string, slug: string, doc: object | string, settings?: object | string): Promise<string> {
  const file = `data/conversations/${slug}/conversation.json`;
  const text = typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2) + '\n';
  const settingsText = settings === undefined ? null : typeof settings === 'string' ? settings : JSON.stringify(settings, null, 2) + '\n';
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO conversations (file, tree_text, settings) VALUES ($1, $2, $3)
       ON CONFLICT (file) DO UPDATE SET tree_text = EXCLUDED.tree_text, settings = coalesce(EXCLUDED.settings, conversations.settings),
         version = conversations.version + 1, updated_at = now()`,
      [file, text, settingsText],
    );
  } finally {
    await client.end();
  }
  return file;
}

async function storedColumn(url: string, file: string, column: 'tree_text' | 'settings::text'): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ value: string | null }>(`SELECT ${column} AS value FROM conversations WHERE file = $1`, [file]);
    return result.rows[0]?.value ?? undefined;
  } finally {
    await client.end();
  }
}

if (await serviceAvailable('postgres', 'tests/store/postgres/postgres-store.test.ts')) {
  storeContractSuite('PostgreSQL store', async () => {
    const temp = createTempRoot();
    const database = await createTestDatabase();
    const open = (): Promise<PostgresStore> => openPostgresStore({ url: database.url, root: temp.root, logger: silentLogger });
    const store = await open();
    const world: StoreWorld = {
      store,
      temp,
      put: (slug, doc, settings) => putByHand(database.url, slug, doc, settings),
      async storedText(file) {
        const text = await storedColumn(database.url, file, 'tree_text');
        if (text === undefined) throw new Error(`no row for ${file}`);
        return text;
      },
      storedSettings: (file) => storedColumn(database.url, file, 'settings::text'),
      otherStore: open,
      async cleanup() {
        await store.close();
        await database.drop();
        temp.cleanup();
      },
    };
    return world;
  });

  const start = suite('PostgreSQL store: start-up');
  let database: TestDatabase;

  start.before.each(async () => {
    database = await createTestDatabase();
  });
  start.after.each(async () => {
    await database.drop();
  });

  start('a URL that is not postgres:// is BAD_INPUT naming BRANCHFLOW_STORE', async () => {
    const error = await failure(openPostgresStore({ url: 'redis://127.0.0.1/0', root: '/tmp', logger: silentLogger }));
    assert.equal([error.code, error.message], ['BAD_INPUT', 'BRANCHFLOW_STORE must start with postgres:// (it starts with redis://)']);
  });

  start('a refused connection names the setting and hides the password', async () => {
    const error = await failure(openPostgresStore({ url: 'postgres://someone:secret@127.0.0.1:1/db', root: '/tmp', logger: silentLogger }));
    assert.is(error.code, 'UNAVAILABLE');
    assert.match(
      error.message,
      /^BRANCHFLOW_STORE: cannot use PostgreSQL at postgres:\/\/someone:\*\*\*@127\.0\.0\.1:1\/db: .*ECONNREFUSED/,
    );
    assert.not.match(error.message, /secret/);
  });

  start('an older schema is refused when migrating at start is off; migrating is idempotent', async () => {
    const error = await failure(openPostgresStore({ url: database.url, root: '/tmp', logger: silentLogger, migrate: false }));
    assert.match(
      error.message,
      /^BRANCHFLOW_STORE: the database schema is older than this server \(version 0, needs \d+\); run `branchflow db migrate`$/,
    );
    const store = await openPostgresStore({ url: database.url, root: '/tmp', logger: silentLogger });
    await store.close();
    const again = await openPostgresStore({ url: database.url, root: '/tmp', logger: silentLogger, migrate: false });
    await again.close();
  });

  start('a tree read from the database is byte-for-byte what was put there', async () => {
    const temp = createTempRoot();
    const store = await openPostgresStore({ url: database.url, root: temp.root, logger: silentLogger });
    try {
      const text = JSON.stringify({ ...branchyTree(), zebra: 1, alpha: { b: 2, a: 1 } }, null, 2) + '\n';
      const file = await putByHand(database.url, 'exact', text);
      assert.equal(Object.keys(await store.read(file)).slice(-2), ['zebra', 'alpha']);
      assert.is(await storedColumn(database.url, file, 'tree_text'), text);
    } finally {
      await store.close();
      temp.cleanup();
    }
  });

  start.run();
}
