/**
 * @module Connecting to PostgreSQL for the conversation store: the URL checked before any connection is tried,
 * the pool, and driver failures turned into CallErrors that name the setting (`BRANCHFLOW_STORE`) and never the
 * password. A database that cannot be reached is UNAVAILABLE (503): nothing was written, try again shortly.
 */
import pg from 'pg';
import { CallError } from '../../lib/call-error.js';
import type { Logger } from '../../lib/logger.js';

/** The setting a start-up error names, so the person reading it knows what to fix. */
export const storeSetting = 'BRANCHFLOW_STORE';

/** The URL with its password replaced: what messages and logs may show. */
export function shownUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(an unparsable URL)';
  }
}

/** BAD_INPUT naming the setting when `url` is not a postgres:// or postgresql:// URL. */
export function checkedPostgresUrl(url: string, setting = storeSetting): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CallError('BAD_INPUT', `${setting} is not a URL; expected postgres://user@host:5432/database`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new CallError('BAD_INPUT', `${setting} must start with postgres:// (it starts with ${parsed.protocol}//)`);
  }
  if (parsed.pathname.length <= 1)
    throw new CallError('BAD_INPUT', `${setting} names no database; expected postgres://host:5432/<database>`);
  return url;
}

export function createPool(url: string, logger: Logger, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30_000 });
  // An idle client whose server went away (a restart) emits here; without a listener the process would crash.
  pool.on('error', (error) => logger.warn('a PostgreSQL connection was lost; the next query opens a new one', { error: error.message }));
  return pool;
}

const connectionCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);

/** A failure of the connection rather than of the statement: the server is down, restarting, or unreachable. */
export function isConnectionFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') {
    if (connectionCodes.has(code)) return true;
    // Class 08: connection exception; 57P01..57P03: the server is shutting down or starting up.
    if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03') return true;
  }
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(
    message,
  );
}

/** The driver's failure as a CallError: UNAVAILABLE for a lost connection, INTERNAL (logged, masked) otherwise. */
export function databaseFailure(error: unknown, what: string): CallError {
  if (error instanceof CallError) return error;
  if (isConnectionFailure(error)) {
    return new CallError('UNAVAILABLE', `PostgreSQL (${storeSetting}) cannot be reached: ${reasonOf(error)}; ${what}`, {
      cause: error,
      exposed: true,
      details: { service: 'postgres' },
    });
  }
  return new CallError('INTERNAL', `PostgreSQL failed: ${(error as Error).message}; ${what}`, { cause: error });
}

function reasonOf(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = (error as Error).message ?? String(error);
  return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
}

/** Start-up: one query, so a wrong URL or a refused connection is an error naming the setting before serving. */
export async function checkConnection(pool: pg.Pool, url: string, setting = storeSetting): Promise<void> {
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    throw new CallError('UNAVAILABLE', `${setting}: cannot use PostgreSQL at ${shownUrl(url)}: ${reasonOf(error)}`, {
      cause: error,
      exposed: true,
    });
  }
}
