/**
 * @module Reading conversation rows: one query per read that sends the tree's text only when its version is not
 * the one already parsed here, so a read of an unchanged conversation costs one small round trip and no parse.
 * Parsed trees are frozen below the top level and shared by readers, as in the file store.
 */
import type pg from 'pg';
import { CallError } from '../../lib/call-error.js';
import type { ConversationDoc } from '../tree/document.js';
import { invalidFileError, parseTree, type FileProblem } from '../tree/parse-tree.js';
import { freezeTree } from '../file/freeze.js';

export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

export type ParsedRow = { version: string; doc: ConversationDoc; problem?: never } | { version: string; problem: FileProblem; doc?: never };

/** Parsed trees by file, kept while their text counts under the byte budget; the oldest go first. */
export class ParsedTrees {
  readonly #entries = new Map<string, ParsedRow & { bytes: number }>();
  readonly #budget: number;
  #bytes = 0;

  constructor(budgetBytes: number) {
    this.#budget = budgetBytes;
  }

  get(file: string): ParsedRow | undefined {
    return this.#entries.get(file);
  }

  set(file: string, row: ParsedRow, bytes: number): void {
    this.delete(file);
    this.#entries.set(file, { ...row, bytes });
    this.#bytes += bytes;
    for (const [oldest, entry] of this.#entries) {
      if (this.#bytes <= this.#budget || oldest === file) break;
      this.delete(oldest);
      void entry;
    }
  }

  delete(file: string): void {
    const entry = this.#entries.get(file);
    if (!entry) return;
    this.#bytes -= entry.bytes;
    this.#entries.delete(file);
  }
}

export function parsedRow(version: string, text: string): ParsedRow {
  const parsed = parseTree(text);
  return parsed.doc ? { version, doc: freezeTree(parsed.doc) } : { version, problem: parsed.problem };
}

/**
 * The current row of `file`, parsed (from the cache when its version is unchanged). `forUpdate` locks the row
 * until the transaction ends: the compare-and-set every change is built on. NOT_FOUND when there is no row.
 */
export async function loadRow(db: Queryable, trees: ParsedTrees, file: string, forUpdate = false): Promise<ParsedRow> {
  const cached = trees.get(file);
  const result = await db.query<{ version: string; tree_text: string | null }>(
    `SELECT version::text AS version, CASE WHEN version::text = $2 THEN NULL ELSE tree_text END AS tree_text
       FROM conversations WHERE file = $1${forUpdate ? ' FOR UPDATE' : ''}`,
    [file, cached?.version ?? ''],
  );
  const row = result.rows[0];
  if (!row) throw new CallError('NOT_FOUND', `no conversation at ${file}`, { details: { file } });
  if (row.tree_text === null && cached) return cached;
  const text = row.tree_text ?? '';
  const parsed = parsedRow(row.version, text);
  trees.set(file, parsed, text.length);
  return parsed;
}

/** The tree of a row, or INVALID_FILE naming the conversation and its first problem. */
export function treeOfRow(file: string, row: ParsedRow): ConversationDoc {
  if (row.problem) throw invalidFileError(file, row.problem);
  return row.doc;
}
