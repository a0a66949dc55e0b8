/**
 * @module The real PostgreSQL and Redis for tests: a database and a Redis key prefix of their own per test
 * (dropped afterwards), so runs never see each other. A service that cannot be reached makes the tests print
 * one line saying which and skip, unless BRANCHFLOW_REQUIRE_SERVICES=1 (CI): then it fails the run.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';

/** The maintenance database new test databases are created from; override with BRANCHFLOW_TEST_POSTGRES. */
export const postgresAdminUrl = process.env['BRANCHFLOW_TEST_POSTGRES'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const redisTestUrl = process.env['BRANCHFLOW_TEST_REDIS'] ?? 'redis://127.0.0.1:6379';

const required = process.env['BRANCHFLOW_REQUIRE_SERVICES'] === '1';

/**
 * Whether the service answers. When it does not: throws if the services are required, otherwise prints one line
 * naming the service and returns false (the caller skips its tests).
 */
export async function serviceAvailable(service: 'postgres' | 'redis', file: string): Promise<boolean> {
  const problem = service === 'postgres' ? await postgresProblem() : await redisProblem();
  if (problem === undefined) return true;
  const line = `${file}: ${service === 'postgres' ? `PostgreSQL at ${postgresAdminUrl}` : `Redis at ${redisTestUrl}`} is not reachable (${problem})`;
  if (required) throw new Error(`${line}; BRANCHFLOW_REQUIRE_SERVICES=1, so this fails instead of skipping`);
  process.stdout.write(`skipped: ${line}\n`);
  return false;
}

async function postgresProblem(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: postgresAdminUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return (error as Error).message || String((error as { code?: string }).code);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function redisProblem(): Promise<string | undefined> {
  const redis = new Redis(redisTestUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  } finally {
    redis.disconnect();
  }
}

export interface TestDatabase {
  /** `postgres://.../bf_test_<random>` */
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** CREATE DATABASE bf_test_<random>; `drop()` removes it, closing any connection still open to it. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `bf_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresAdminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(postgresAdminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const dropper = new pg.Client({ connectionString: postgresAdminUrl });
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

export interface TestRedisPrefix {
  url: string;
  /** `bf_test_<random>:` */
  prefix: string;
  /** Deletes every key under the prefix. */
  drop(): Promise<void>;
}

export function createTestRedisPrefix(): TestRedisPrefix {
  const prefix = `bf_test_${randomBytes(6).toString('hex')}:`;
  return {
    url: redisTestUrl,
    prefix,
    async drop() {
      const redis = new Redis(redisTestUrl, { maxRetriesPerRequest: 1 });
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
          cursor = next;
          if (keys.length > 0) await redis.del(...keys);
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
    },
  };
}
