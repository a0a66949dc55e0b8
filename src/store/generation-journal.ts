/**
 * @module Checkpoint journals: while a reply streams, its text is appended to a small file beside the
 * conversation (`.journal/<generation_id>.jsonl`) and fsync'd about once a second, so a crash loses at most
 * that much. Rewriting a large conversation every second per stream would cost far more. The journal is
 * removed once the reply is saved in the tree; a journal found at start-up is an interrupted reply.
 */
import { mkdir, open, readdir, readFile, rm, type FileHandle } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import writeFileAtomic from 'write-file-atomic';

export interface JournalHeader {
  generation_id: string;
  conversation_file: string;
  parent_id: string;
  node_id: string;
  /** Set when the reply fills an existing empty assistant node instead of appending a new one. */
  fill_target: boolean;
  provider?: string;
  model?: string;
  started_at: string;
}

export interface RecoveredJournal {
  header: JournalHeader;
  content: string;
  /** Absolute path, for `removeJournal`. */
  path: string;
}

const journalFolder = '.journal';

function journalPath(root: string, header: Pick<JournalHeader, 'conversation_file' | 'generation_id'>): string {
  return join(root, dirname(header.conversation_file), journalFolder, `${header.generation_id}.jsonl`);
}

export class GenerationJournal {
  readonly #handle: FileHandle;
  readonly path: string;
  #pending = '';
  #flushing: Promise<void> = Promise.resolve();
  readonly #timer: NodeJS.Timeout;

  private constructor(handle: FileHandle, path: string, intervalMs: number) {
    this.#handle = handle;
    this.path = path;
    this.#timer = setInterval(() => void this.flush(), intervalMs);
    this.#timer.unref();
  }

  /** `root` is the project root; `header.conversation_file` must already be resolved by the store. */
  static async open(root: string, header: JournalHeader, intervalMs = 1000): Promise<GenerationJournal> {
    const path = journalPath(root, header);
    await mkdir(dirname(path), { recursive: true });
    const handle = await open(path, 'w');
    await handle.write(JSON.stringify(header) + '\n');
    await handle.datasync();
    return new GenerationJournal(handle, path, intervalMs);
  }

  /** Buffers text; it reaches the disk at the next flush. */
  write(text: string): void {
    this.#pending += text;
  }

  /** Writes the buffered text as one line and fsyncs it. Flushes never overlap. */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(async () => {
      if (this.#pending === '') return;
      const line = JSON.stringify({ text: this.#pending }) + '\n';
      this.#pending = '';
      await this.#handle.write(line);
      await this.#handle.datasync();
    });
    return this.#flushing;
  }

  /** Stops checkpointing; `remove` deletes the file (the reply is safely in the tree). */
  async close(options: { remove: boolean }): Promise<void> {
    clearInterval(this.#timer);
    if (!options.remove) await this.flush().catch(() => undefined);
    await this.#flushing.catch(() => undefined);
    await this.#handle.close();
    if (options.remove) await rm(this.path, { force: true });
  }
}

/** Every journal left under `data/conversations/`, with its text; a torn last line is ignored. */
export async function findJournals(root: string): Promise<RecoveredJournal[]> {
  const conversations = join(root, 'data', 'conversations');
  let folders: string[];
  try {
    folders = await readdir(conversations);
  } catch {
    return [];
  }
  const found: RecoveredJournal[] = [];
  for (const folder of folders) {
    const directory = join(conversations, folder, journalFolder);
    let files: string[];
    try {
      files = (await readdir(directory)).filter((name) => name.endsWith('.jsonl'));
    } catch {
      continue;
    }
    for (const file of files) {
      const path = join(directory, file);
      const parsed = parseJournal(await readFile(path, 'utf8'));
      if (parsed) found.push({ ...parsed, path });
    }
  }
  return found;
}

function parseJournal(text: string): Omit<RecoveredJournal, 'path'> | undefined {
  const lines = text.split('\n').filter((line) => line !== '');
  let header: JournalHeader;
  try {
    header = JSON.parse(lines[0] ?? '') as JournalHeader;
  } catch {
    return undefined;
  }
  let content = '';
  for (const line of lines.slice(1)) {
    try {
      content += (JSON.parse(line) as { text: string }).text;
    } catch {
      break; // the crash cut this line short; everything before it is intact
    }
  }
  return { header, content };
}

export async function removeJournal(path: string): Promise<void> {
  await rm(path, { force: true });
}

/**
 * Writes a reply that could not be saved in the tree (its parent was deleted meanwhile) to
 * `recovered-<generation_id>.json` beside the conversation; returns its root-relative path.
 */
export async function writeRecoveryFile(root: string, record: { conversation_file: string; generation_id: string; [key: string]: unknown }): Promise<string> {
  const path = join(root, dirname(record.conversation_file), `recovered-${record.generation_id}.json`);
  await writeFileAtomic(path, JSON.stringify(record, null, 2) + '\n');
  return relative(root, path);
}
