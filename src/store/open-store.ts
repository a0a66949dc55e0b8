/**
 * @module Which ConversationStore a process uses: the file store under the root (the default), or PostgreSQL
 * when `BRANCHFLOW_STORE=postgres://...` is set, so several servers share conversations. A setting that is set
 * but unusable is an error naming it, before anything is served.
 */
import { CallError } from '../lib/call-error.js';
import type { Logger } from '../lib/logger.js';
import type { ConversationStore } from './conversation-store.js';
import { createFileStore, defaultKeepRemovedMs } from './file/file-store.js';
import { openPostgresStore } from './postgres/postgres-store.js';
import { storeSetting } from './postgres/postgres-connection.js';

export interface OpenStoreOptions {
  root: string;
  logger: Logger;
  env: NodeJS.ProcessEnv;
  /** A server: watch for changes from the start. */
  watch: boolean;
}

export async function openConfiguredStore(options: OpenStoreOptions): Promise<ConversationStore> {
  const setting = options.env[storeSetting]?.trim();
  if (setting === undefined || setting === '' || setting === 'files') {
    return createFileStore({ root: options.root, logger: options.logger, watch: options.watch, keepRemovedMs: keepRemovedMs(options.env) });
  }
  if (/^postgres(ql)?:\/\//.test(setting)) {
    return openPostgresStore({
      url: setting,
      root: options.root,
      logger: options.logger,
      watch: options.watch,
      migrate: options.env['BRANCHFLOW_STORE_MIGRATE'] !== 'off',
    });
  }
  throw new CallError('BAD_INPUT', `${storeSetting} must be a postgres:// URL (or unset, or "files", for the file store)`);
}

/** BRANCHFLOW_KEEP_REMOVED_MS: how long saved nodes are kept when an outside write removes them (0: off). */
function keepRemovedMs(env: NodeJS.ProcessEnv): number {
  const text = env['BRANCHFLOW_KEEP_REMOVED_MS'];
  if (text === undefined || text.trim() === '') return defaultKeepRemovedMs;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) {
    throw new CallError('BAD_INPUT', `BRANCHFLOW_KEEP_REMOVED_MS must be a number of milliseconds, 0 or more; got "${text}"`);
  }
  return value;
}
