/**
 * @module The schema of the PostgreSQL store: versioned SQL files in `migrations/` (`001_init.sql`, ...), applied
 * in order, each in its own transaction, recorded in `branchflow_migrations`. An advisory lock keeps two servers
 * starting at once from applying the same file twice. A database whose schema is older than this code (and not
 * migrated) or newer (a newer server migrated it) is refused with a message saying what to run.
 */
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { CallError } from '../../lib/call-error.js';
import { storeSetting } from './postgres-connection.js';

export const migrationsFolder = fileURLToPath(new URL('../../../migrations/', import.meta.url));

/** Any number; the same in every branchflow process, so `pg_advisory_lock` serialises migrations between them. */
const migrationLock = 0x6272_616e;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export async function readMigrations(folder = migrationsFolder): Promise<Migration[]> {
  const names = (await readdir(folder)).filter((name) => /^\d{3}_[a-z0-9_]+\.sql$/.test(name)).sort();
  return Promise.all(
    names.map(async (name) => ({ version: Number(name.slice(0, 3)), name, sql: await readFile(`${folder}/${name}`, 'utf8') })),
  );
}

const ledger = `CREATE TABLE IF NOT EXISTS branchflow_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

async function appliedVersions(client: pg.PoolClient | pg.Pool): Promise<number[]> {
  const exists = await client.query<{ found: string | null }>(`SELECT to_regclass('branchflow_migrations')::text AS found`);
  if (exists.rows[0]?.found === null || exists.rows[0]?.found === undefined) return [];
  const rows = await client.query<{ version: number }>('SELECT version FROM branchflow_migrations ORDER BY version');
  return rows.rows.map((row) => row.version);
}

/** Applies the migrations not applied yet; returns the names applied now. */
export async function migrate(pool: pg.Pool, folder = migrationsFolder): Promise<string[]> {
  const migrations = await readMigrations(folder);
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [migrationLock]);
    try {
      await client.query(ledger);
      const applied = new Set(await appliedVersions(client));
      const done: string[] = [];
      for (const migration of migrations) {
        if (applied.has(migration.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query('INSERT INTO branchflow_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw new CallError('INTERNAL', `migration ${migration.name} failed: ${(error as Error).message}; nothing of it was applied`, {
            cause: error,
            exposed: true,
          });
        }
        done.push(migration.name);
      }
      return done;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [migrationLock]);
    }
  } finally {
    client.release();
  }
}

/** Refuses a schema this code does not match: older (run `branchflow db migrate`) or newer (upgrade this server). */
export async function checkSchema(pool: pg.Pool, folder = migrationsFolder): Promise<void> {
  const known = (await readMigrations(folder)).map((migration) => migration.version);
  const applied = await appliedVersions(pool);
  const latestKnown = Math.max(0, ...known);
  const latestApplied = Math.max(0, ...applied);
  if (latestApplied > latestKnown) {
    throw new CallError(
      'INTERNAL',
      `${storeSetting}: the database schema is at version ${latestApplied}, newer than this server knows (${latestKnown}); upgrade branchflow`,
      { exposed: true },
    );
  }
  const missing = known.filter((version) => !applied.includes(version));
  if (missing.length > 0) {
    throw new CallError(
      'INTERNAL',
      `${storeSetting}: the database schema is older than this server (version ${latestApplied}, needs ${latestKnown}); run \`branchflow db migrate\``,
      { exposed: true },
    );
  }
}
