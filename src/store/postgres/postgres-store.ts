/**
 * @module The PostgreSQL ConversationStore: one row per conversation (the file's exact text, settings, a version),
 * so several servers share conversations. Changes to one conversation queue up in-process and go out in batches,
 * each one transaction that locks the row (`SELECT ... FOR UPDATE`), runs the plans on the tree as it is, validates,
 * and writes it back only if the version is still the one it read. The tree work is the pure model's (`tree/`);
 * this file only persists. Other servers hear of every change through LISTEN/NOTIFY (`change-listener.ts`).
 */
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import type pg from 'pg';
import { CallError } from '../../lib/call-error.js';
import type { Logger } from '../../lib/logger.js';
import type { ConversationStore, ConversationSummary, StoreStatus } from '../conversation-store.js';
import type { ConversationDoc, ConversationSettings, DocChange, Mutation } from '../tree/document.js';
import { withChanges } from '../tree/changes.js';
import { serialiseTree, invalidFileError } from '../tree/parse-tree.js';
import { validateChanges, validateDoc } from '../tree/validate.js';
import { draftPlan } from '../file/draft.js';
import { readRecoveryRecord, type RecoveryRecord } from '../file/recovery-records.js';
import { readAttachmentFile, writeAttachmentFile } from '../file/attachment-files.js';
import { freezeChanges } from '../file/freeze.js';
import { conversationsFolder, llmConfigsFolder } from '../file/file-store.js';
import { resolveInside } from '../disk/safe-path.js';
import { settingsProblem } from '../disk/settings-file.js';
import type { WatchEvent } from '../watch/watch-event.js';
import { WatchHub } from '../watch/watch-hub.js';
import { fileDepthLimit, tooDeepAt } from '../../lib/json-depth.js';
import { isPlainObject } from '../../lib/plain-object.js';
import { ChangeListener } from './change-listener.js';
import { watchLlmConfigs } from './config-watch.js';
import type { FileWatcher } from '../watch/file-watcher.js';
import { conversationKey, folderNameOf, settingsLabelOf } from './conversation-key.js';
import { checkConnection, checkedPostgresUrl, createPool, databaseFailure, storeSetting } from './postgres-connection.js';
import { checkSchema, migrate } from './migrations.js';
import { loadRow, parsedRow, ParsedTrees, treeOfRow, type ParsedRow } from './tree-rows.js';

export interface PostgresStoreOptions {
  /** `postgres://user@host:5432/database` (BRANCHFLOW_STORE). */
  url: string;
  /** The project root: file parameters are relative to it, and LLM configs stay files under it. */
  root: string;
  logger: Logger;
  /** Start listening for changes now (a server); otherwise at the first `watch()`. */
  watch?: boolean;
  /** Apply missing migrations at start (default true); false: refuse an older schema instead. */
  migrate?: boolean;
  /** Connections in the pool (default 10). */
  connections?: number;
  /** Bytes of parsed trees kept in memory (counted by text length). Default 256 MiB. */
  cacheBytes?: number;
}

export interface PostgresStore extends ConversationStore {
  readonly pool: pg.Pool;
  /** This store's name in notifications: a change it made itself is told apart from another server's. */
  readonly writerId: string;
  /** GET /ready: true, or why the database cannot be used right now. */
  check(): Promise<true | string>;
}

/** Connects, checks the schema (migrating it unless told not to) and returns the store; errors name BRANCHFLOW_STORE. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const url = checkedPostgresUrl(options.url);
  const pool = createPool(url, options.logger, options.connections);
  try {
    await checkConnection(pool, url);
    if (options.migrate !== false) {
      const applied = await migrate(pool);
      if (applied.length > 0) options.logger.info('applied database migrations', { migrations: applied });
    }
    await checkSchema(pool);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  const store = new ConversationRows(options, pool, url);
  if (options.watch) await store.listening();
  return store;
}

type Plan = (doc: ConversationDoc) => Mutation<unknown> | Promise<Mutation<unknown>>;

interface Item {
  plan: Plan;
  resolve(value: { doc: ConversationDoc; result: unknown }): void;
  reject(error: unknown): void;
}

class ConversationRows implements PostgresStore {
  readonly pool: pg.Pool;
  readonly writerId = `bf_${randomBytes(6).toString('hex')}`;
  readonly #root: string;
  readonly #logger: Logger;
  readonly #trees: ParsedTrees;
  readonly #queues = new Map<string, { items: Item[]; running: Promise<void> }>();
  readonly #hub: WatchHub;
  readonly #listener: ChangeListener;
  /** `data/llm_configs/` on this server's disk, watched as the file store watches it. */
  #configs: Promise<FileWatcher | undefined> | undefined;
  #configsReady = false;
  #closed = false;

  constructor(options: PostgresStoreOptions, pool: pg.Pool, url: string) {
    this.pool = pool;
    this.#root = options.root;
    this.#logger = options.logger;
    this.#trees = new ParsedTrees(options.cacheBytes ?? 256 * 1024 * 1024);
    this.#hub = new WatchHub(options.logger);
    this.#listener = new ChangeListener({
      url,
      logger: options.logger,
      writerId: this.writerId,
      // Another server's write, or a hand edit: forget the parsed tree and tell whether the new one is usable.
      onChange: (change) => void this.#announce(change),
    });
  }

  async listening(): Promise<void> {
    this.#configs ??= watchLlmConfigs({ root: this.#root, logger: this.#logger, emit: (event) => this.#hub.publish(event) }).catch(
      (error: unknown) => {
        this.#logger.warn('could not watch the LLM configs folder', { error });
        return undefined;
      },
    );
    await Promise.all([this.#listener.start(), this.#configs]);
    this.#configsReady = true;
  }

  async resolve(file: string): Promise<string> {
    return Promise.resolve(conversationKey(this.#root, file));
  }

  async read(file: string): Promise<ConversationDoc> {
    const key = conversationKey(this.#root, file);
    try {
      return treeOfRow(key, await loadRow(this.pool, this.#trees, key));
    } catch (error) {
      throw databaseFailure(error, `could not read ${key}`);
    }
  }

  update<Result>(
    file: string,
    change: (doc: ConversationDoc) => Result | Promise<Result>,
  ): Promise<{ doc: ConversationDoc; result: Result }> {
    return this.commit(file, draftPlan(change));
  }

  async commit<Result>(
    file: string,
    plan: (doc: ConversationDoc) => Mutation<Result> | Promise<Mutation<Result>>,
  ): Promise<{ doc: ConversationDoc; result: Result }> {
    if (this.#closed) throw new CallError('INTERNAL', 'the conversation store is closed');
    const key = conversationKey(this.#root, file);
    return (await this.#enqueue(key, plan)) as { doc: ConversationDoc; result: Result };
  }

  async create(file: string, doc: ConversationDoc, settings: ConversationSettings): Promise<void> {
    const key = conversationKey(this.#root, file);
    const problem = validateDoc(doc) ?? settingsProblem(settings);
    if (problem)
      throw new CallError('BAD_INPUT', `the new conversation ${key} would be invalid at ${problem.pointer || '/'}: ${problem.message}`);
    const stored = { ...settings };
    if (typeof settings.llm_config === 'string') stored.llm_config = await this.#existingConfig(settings.llm_config);
    const shown = `${dirname(key)}/`;
    let inserted;
    try {
      inserted = await this.#transaction((client) =>
        client.query(`INSERT INTO conversations (file, tree_text, settings) VALUES ($1, $2, $3) ON CONFLICT (file) DO NOTHING`, [
          key,
          serialiseTree(doc),
          JSON.stringify(stored, null, 2) + '\n',
        ]),
      );
    } catch (error) {
      throw databaseFailure(error, `nothing was created`);
    }
    if (inserted.rowCount === 0) throw new CallError('CONFLICT', `${shown} already exists`, { details: { file: key } });
  }

  /**
   * Attachments are files on this server's disk, in the conversation's folder under the root (not in the database):
   * several servers need that folder shared (see docs/scale-out.md).
   */
  async writeAttachment(file: string, bytes: Buffer, extension: string): Promise<string> {
    return writeAttachmentFile(join(this.#root, await this.resolve(file)), bytes, extension);
  }

  async readAttachment(file: string, reference: string, where: string): Promise<Buffer> {
    const relative = await this.resolve(file);
    return readAttachmentFile(join(this.#root, relative), relative, reference, where);
  }

  /**
   * The row goes in one statement, after the changes queued for it here; the folder under the root (attachments,
   * recovery files) goes after it. Other servers hear a `delete` notification.
   */
  async remove(file: string): Promise<void> {
    const key = conversationKey(this.#root, file);
    await this.#queues.get(key)?.running;
    let deleted;
    try {
      deleted = await this.#transaction((client) => client.query('DELETE FROM conversations WHERE file = $1', [key]));
    } catch (error) {
      throw databaseFailure(error, 'nothing was deleted');
    }
    if (deleted.rowCount === 0) throw new CallError('NOT_FOUND', `no conversation at ${key}`, { details: { file: key } });
    this.#trees.delete(key);
    if (dirname(key) !== conversationsFolder) await rm(join(this.#root, dirname(key)), { recursive: true, force: true });
  }

  /** The row moves to its new key in one transaction (insert a copy, delete the old); then the folder on disk, if any. */
  async rename(file: string, newFile: string): Promise<string> {
    const key = conversationKey(this.#root, file);
    const newKey = conversationKey(this.#root, newFile);
    for (const [given, what] of [
      [key, key],
      [newKey, 'the new name'],
    ] as const) {
      if (dirname(given) === conversationsFolder) {
        throw new CallError(
          'BAD_INPUT',
          `${what} is not in a folder of its own; only data/conversations/<name>/<file>.json can be renamed`,
          {
            details: { file: given },
          },
        );
      }
    }
    if (basename(key) !== basename(newKey)) {
      throw new CallError('BAD_INPUT', `a rename keeps the file name: ${newKey} must end in /${basename(key)}`, {
        details: { file: newKey },
      });
    }
    if (key === newKey) return key;
    await this.#queues.get(key)?.running;
    const outcome = await this.#transaction(async (client) => {
      const copied = await client.query(
        `INSERT INTO conversations (file, tree_text, settings, version, created_at, updated_at)
           SELECT $2, tree_text, settings, version, created_at, now() FROM conversations WHERE file = $1
           ON CONFLICT (file) DO NOTHING`,
        [key, newKey],
      );
      if (copied.rowCount === 1) {
        await client.query('DELETE FROM conversations WHERE file = $1', [key]);
        return 'moved';
      }
      const found = await client.query('SELECT 1 FROM conversations WHERE file = $1', [key]);
      return found.rowCount === 0 ? 'missing' : 'taken';
    }).catch((error: unknown) => {
      throw databaseFailure(error, 'nothing was renamed');
    });
    if (outcome === 'missing') throw new CallError('NOT_FOUND', `no conversation at ${key}`, { details: { file: key } });
    if (outcome === 'taken') throw new CallError('CONFLICT', `${dirname(newKey)}/ already exists`, { details: { file: newKey } });
    this.#trees.delete(key);
    const folder = join(this.#root, dirname(key));
    if (await stat(folder).catch(() => undefined)) {
      await mkdir(dirname(join(this.#root, dirname(newKey))), { recursive: true });
      await rename(folder, join(this.#root, dirname(newKey))).catch((error: unknown) =>
        this.#logger.warn('a renamed conversation kept its old folder of attachments', { file: newKey, folder: dirname(key), error }),
      );
    }
    return newKey;
  }

  /** Recovery files stay on the disk of the server that wrote them, in the conversation's folder under the root. */
  async readRecovery(file: string, recoveryFile: string): Promise<RecoveryRecord> {
    const relative = await this.resolve(file);
    return readRecoveryRecord({ relative, absolute: join(this.#root, relative) }, recoveryFile);
  }

  async readSettings(file: string): Promise<ConversationSettings> {
    const key = conversationKey(this.#root, file);
    const label = settingsLabelOf(key);
    let text: string | null | undefined;
    try {
      const result = await this.pool.query<{ settings: string | null }>(
        'SELECT settings::text AS settings FROM conversations WHERE file = $1',
        [key],
      );
      text = result.rows[0]?.settings;
    } catch (error) {
      throw databaseFailure(error, `could not read ${label}`);
    }
    if (text === null || text === undefined) return {};
    const value: unknown = JSON.parse(text);
    const tooDeep = tooDeepAt(value, fileDepthLimit);
    if (tooDeep !== undefined) throw invalidFileError(label, { message: `nests deeper than ${fileDepthLimit} levels`, pointer: tooDeep });
    const problem = isPlainObject(value) ? settingsProblem(value) : { pointer: '', message: 'must be a JSON object' };
    if (problem) throw invalidFileError(label, problem);
    return value as ConversationSettings;
  }

  async list(): Promise<ConversationSummary[]> {
    let rows: ParsedRow[];
    let files: string[];
    try {
      const versions = await this.pool.query<{ file: string; version: string }>('SELECT file, version::text AS version FROM conversations');
      files = versions.rows.map((row) => row.file);
      const stale = versions.rows.filter((row) => this.#trees.get(row.file)?.version !== row.version).map((row) => row.file);
      if (stale.length > 0) {
        const texts = await this.pool.query<{ file: string; version: string; tree_text: string }>(
          'SELECT file, version::text AS version, tree_text FROM conversations WHERE file = ANY($1)',
          [stale],
        );
        for (const row of texts.rows) this.#trees.set(row.file, parsedRow(row.version, row.tree_text), row.tree_text.length);
      }
      rows = files.map((file) => this.#trees.get(file)!);
    } catch (error) {
      throw databaseFailure(error, 'could not list the conversations');
    }
    const summaries = files.map((file, index): ConversationSummary => summaryOf(file, rows[index]));
    return summaries.sort((a, b) => (b.updated_at ?? '').localeCompare(a.updated_at ?? '') || a.file.localeCompare(b.file));
  }

  watch(signal: AbortSignal): AsyncIterable<WatchEvent> {
    const events = this.#hub.subscribe(signal);
    void this.listening().catch((error: unknown) => this.#logger.error('could not listen for conversation changes', { error }));
    return events;
  }

  status(): StoreStatus {
    return { watching: this.#listener.listening && this.#configsReady };
  }

  async check(): Promise<true | string> {
    try {
      await this.pool.query('SELECT 1');
      return true;
    } catch (error) {
      return `${storeSetting}: ${(error as Error).message}`;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    while (this.#queues.size > 0) await Promise.all([...this.#queues.values()].map((queue) => queue.running));
    await this.#listener.close();
    await (await this.#configs)?.close();
    this.#hub.close();
    await this.pool.end();
  }

  // Internals.

  #enqueue(key: string, plan: Plan): Promise<{ doc: ConversationDoc; result: unknown }> {
    return new Promise((resolve, reject) => {
      const item = { plan, resolve, reject };
      const queue = this.#queues.get(key);
      if (queue) {
        queue.items.push(item);
        return;
      }
      const created = { items: [item], running: Promise.resolve() };
      this.#queues.set(key, created);
      created.running = (async () => {
        try {
          while (created.items.length > 0) await this.#runBatch(key, created.items.splice(0));
        } finally {
          this.#queues.delete(key);
        }
      })();
    });
  }

  /**
   * One transaction for every change queued meanwhile; a plan that fails is rejected alone, the others land.
   * Callers hear the outcome only after COMMIT (or ROLLBACK): when a call returns, the database has its answer.
   */
  async #runBatch(key: string, batch: Item[]): Promise<void> {
    const failed = new Map<Item, unknown>();
    const applied: { item: Item; result: unknown }[] = [];
    let committed: { doc: ConversationDoc; version: string; bytes: number } | undefined;
    let failure: CallError | undefined;
    try {
      committed = await this.#transaction(async (client) => {
        const row = await loadRow(client, this.#trees, key, true);
        let doc = treeOfRow(key, row);
        const changes: DocChange[] = [];
        for (const item of batch) {
          // Let timers and I/O run between plans: a batch of fifty must not hold the event loop for all fifty.
          if (applied.length > 0) await new Promise((resolve) => setImmediate(resolve));
          try {
            const mutation = await item.plan(doc);
            if (mutation.changes.length > 0) {
              const problem = validateChanges(doc, mutation.changes);
              if (problem) {
                throw new CallError(
                  'BAD_INPUT',
                  `the change would make ${key} invalid at ${problem.pointer || '/'}: ${problem.message}; nothing was written`,
                  { details: { file: key, ...problem } },
                );
              }
              freezeChanges(mutation.changes);
              // A copy: the tree readers hold (and the cache) stays as it was until the transaction commits.
              doc = withChanges(doc, mutation.changes);
              changes.push(...mutation.changes);
            }
            applied.push({ item, result: mutation.result(doc) });
          } catch (error) {
            failed.set(item, error);
          }
        }
        if (changes.length === 0) return { doc, version: row.version, bytes: 0 };
        const text = serialiseTree(doc);
        const written = await client.query<{ version: string }>(
          `UPDATE conversations SET tree_text = $2, version = version + 1, updated_at = now()
            WHERE file = $1 AND version = $3 RETURNING version::text AS version`,
          [key, text, row.version],
        );
        const version = written.rows[0]?.version;
        // Cannot happen while the row is locked; if it ever does, nothing is written and the callers hear why.
        if (version === undefined)
          throw new CallError('CONFLICT', `${key} changed while it was being written; try again`, { details: { file: key } });
        return { doc, version, bytes: text.length };
      });
      if (committed.bytes > 0) this.#trees.set(key, { version: committed.version, doc: committed.doc }, committed.bytes);
    } catch (error) {
      failure = databaseFailure(error, 'nothing was saved');
    }
    for (const item of batch) {
      if (failed.has(item)) item.reject(failed.get(item));
      else if (failure || !committed) item.reject(failure);
      else item.resolve({ doc: committed.doc, result: applied.find((entry) => entry.item === item)?.result });
    }
  }

  /** BEGIN, tagged with this store's id for the notification trigger, then COMMIT (or ROLLBACK on any throw). */
  async #transaction<Value>(work: (client: pg.PoolClient) => Promise<Value>): Promise<Value> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      await client.query(`SELECT set_config('branchflow.writer', $1, true)`, [this.writerId]);
      const value = await work(client);
      await client.query('COMMIT');
      return value;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async #announce(change: { op: string; file: string; version: string; own: boolean; writer: string | null }): Promise<void> {
    if (change.op === 'delete') {
      this.#trees.delete(change.file);
      return this.#hub.publish({ type: 'removed', file: change.file, origin: change.own ? 'engine' : 'external' });
    }
    if (change.own) return this.#hub.publish({ type: 'changed', file: change.file, origin: 'engine' });
    const origin = change.writer === null ? 'external' : 'engine';
    try {
      const row = await loadRow(this.pool, this.#trees, change.file);
      if (row.problem) {
        const error = invalidFileError(change.file, row.problem);
        this.#hub.publish({ type: 'invalid', file: change.file, origin, error: { code: error.code, message: error.message } });
        return;
      }
    } catch (error) {
      this.#logger.warn('could not read a conversation another server changed', { file: change.file, error });
    }
    this.#hub.publish({ type: 'changed', file: change.file, origin });
  }

  async #existingConfig(file: string): Promise<string> {
    const config = await resolveInside(this.#root, file, llmConfigsFolder, { extension: '.json', what: 'LLM config' });
    const found = await stat(config.absolute).catch(() => undefined);
    if (!found?.isFile()) throw new CallError('NOT_FOUND', `no LLM config at ${config.relative}`, { details: { file: config.relative } });
    return config.relative;
  }
}

function summaryOf(file: string, row: ParsedRow | undefined): ConversationSummary {
  const folderName = folderNameOf(file);
  if (!row || row.problem) {
    const error = row?.problem ? invalidFileError(file, row.problem) : new CallError('INVALID_FILE', `${file} could not be read`);
    return { file, name: folderName, nodes_count: 0, error: { code: error.code, message: error.message } };
  }
  const { doc } = row;
  const summary: ConversationSummary = {
    file,
    name: typeof doc.name === 'string' && doc.name !== '' ? doc.name : folderName,
    nodes_count: Object.keys(doc.nodes).length,
  };
  if (typeof doc.updated_at === 'string') summary.updated_at = doc.updated_at;
  return summary;
}
