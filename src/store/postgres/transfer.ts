/**
 * @module Moving conversations between a `data/` folder and the database, and applying the schema: what
 * `branchflow db migrate|export|import` run. Files stay the format people own: export writes every row's text
 * back byte for byte (and its settings.json), import stores each file's text exactly as it is. A file that does
 * not parse or validate is not imported (it is reported, like the file store lists it with its problem).
 */
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { CallError } from '../../lib/call-error.js';
import { fileDepthLimit, tooDeepAt } from '../../lib/json-depth.js';
import type { Logger } from '../../lib/logger.js';
import { isPlainObject } from '../../lib/plain-object.js';
import { writeDurably } from '../disk/atomic-write.js';
import { settingsProblem } from '../disk/settings-file.js';
import { conversationsFolder } from '../file/file-store.js';
import { invalidFileError, parseTree } from '../tree/parse-tree.js';
import { checkConnection, checkedPostgresUrl, createPool } from './postgres-connection.js';
import { checkSchema, migrate } from './migrations.js';
import { settingsLabelOf } from './conversation-key.js';

export interface DatabaseOptions {
  /** `postgres://...` (BRANCHFLOW_STORE). */
  url: string;
  logger: Logger;
}

async function withPool<Value>(options: DatabaseOptions, work: (pool: ReturnType<typeof createPool>) => Promise<Value>): Promise<Value> {
  const url = checkedPostgresUrl(options.url);
  const pool = createPool(url, options.logger, 2);
  try {
    await checkConnection(pool, url);
    return await work(pool);
  } finally {
    await pool.end().catch(() => undefined);
  }
}

/** `branchflow db migrate`: applies the SQL files not applied yet; returns their names. */
export function migrateDatabase(options: DatabaseOptions): Promise<string[]> {
  return withPool(options, (pool) => migrate(pool));
}

export interface ExportReport {
  /** Root-relative conversation files written. */
  written: string[];
}

/** `branchflow db export`: every conversation (and its settings) into `<root>/data/conversations/`, byte for byte. */
export function exportConversations(options: DatabaseOptions & { root: string }): Promise<ExportReport> {
  return withPool(options, async (pool) => {
    await checkSchema(pool);
    const rows = await pool.query<{ file: string; tree_text: string; settings: string | null }>(
      'SELECT file, tree_text, settings::text AS settings FROM conversations ORDER BY file',
    );
    const written: string[] = [];
    for (const row of rows.rows) {
      const absolute = join(options.root, row.file);
      await mkdir(dirname(absolute), { recursive: true });
      await writeDurably(absolute, row.tree_text);
      if (row.settings !== null) await writeDurably(join(options.root, settingsLabelOf(row.file)), row.settings);
      written.push(row.file);
    }
    return { written };
  });
}

export interface ImportReport {
  /** New rows. */
  imported: string[];
  /** Rows that existed and were replaced (`replace: true`). */
  replaced: string[];
  /** Rows that existed and were left as they are (`replace` not set). */
  skipped: string[];
  /** Files not imported because they do not parse or validate: each with its problem. */
  invalid: { file: string; message: string }[];
}

/**
 * `branchflow db import`: every `data/conversations/<name>/conversation.json` under `root` into the database,
 * each its own transaction. An existing conversation is kept unless `replace` (then its version moves on, so
 * servers watching it hear of the change).
 */
export function importConversations(options: DatabaseOptions & { root: string; replace?: boolean }): Promise<ImportReport> {
  return withPool(options, async (pool) => {
    await migrate(pool);
    await checkSchema(pool);
    const report: ImportReport = { imported: [], replaced: [], skipped: [], invalid: [] };
    const folders = await readdir(join(options.root, conversationsFolder), { withFileTypes: true }).catch(() => []);
    for (const folder of folders.filter((entry) => entry.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
      const file = `${conversationsFolder}/${folder.name}/conversation.json`;
      const text = await readFile(join(options.root, file), 'utf8').catch(() => undefined);
      if (text === undefined) continue;
      const settingsFile = settingsLabelOf(file);
      const settings = await readFile(join(options.root, settingsFile), 'utf8').catch(() => undefined);
      const problem = treeProblem(file, text) ?? (settings === undefined ? undefined : settingsFileProblem(settingsFile, settings));
      if (problem) {
        report.invalid.push({ file, message: problem });
        continue;
      }
      let result;
      try {
        result = await pool.query<{ inserted: boolean }>(
          `INSERT INTO conversations (file, tree_text, settings) VALUES ($1, $2, $3)
         ON CONFLICT (file) DO UPDATE SET tree_text = EXCLUDED.tree_text, settings = EXCLUDED.settings,
           version = conversations.version + 1, updated_at = now()
           WHERE $4 AND (conversations.tree_text <> EXCLUDED.tree_text OR conversations.settings::text IS DISTINCT FROM EXCLUDED.settings::text)
         RETURNING (xmax = 0) AS inserted`,
          [file, text, settings ?? null, options.replace === true],
        );
      } catch (error) {
        // A text PostgreSQL refuses (a byte-order mark its JSON parser rejects, a NUL character): reported, not imported.
        report.invalid.push({ file, message: `${file} could not be stored: ${(error as Error).message}` });
        continue;
      }
      const row = result.rows[0];
      if (!row) report.skipped.push(file);
      else if (row.inserted) report.imported.push(file);
      else report.replaced.push(file);
    }
    options.logger.info('imported conversations', {
      imported: report.imported.length,
      replaced: report.replaced.length,
      skipped: report.skipped.length,
      invalid: report.invalid.length,
    });
    return report;
  });
}

function treeProblem(file: string, text: string): string | undefined {
  const parsed = parseTree(text);
  return parsed.problem ? invalidFileError(file, parsed.problem).message : undefined;
}

function settingsFileProblem(file: string, text: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    return new CallError('INVALID_FILE', `${file} is not valid JSON: ${(error as Error).message}`).message;
  }
  if (tooDeepAt(value, fileDepthLimit) !== undefined) return `${file} nests deeper than ${fileDepthLimit} levels`;
  const problem = isPlainObject(value) ? settingsProblem(value) : { pointer: '', message: 'must be a JSON object' };
  return problem ? invalidFileError(file, problem).message : undefined;
}
