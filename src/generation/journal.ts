/**
 * @module Checkpoint journals: while a reply streams, its text (and reasoning) is appended to a small file beside the
 * conversation (`.journal/<generation_id>.jsonl`) and fsync'd about once a second, so a crash loses at most
 * that much. Rewriting a large conversation every second per stream would cost far more. The journal is
 * removed once the reply is saved in the tree; a journal found at start-up is an interrupted reply.
 */
import { mkdir, open, readdir, readFile, rm, type FileHandle } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { writeDurably, type ToolStep } from '../store/index.js';
import type { GenerationEvent } from './generation-events.js';
import { ReplyFold, type ReplyEvent } from './reply-fold.js';

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
  /** The reasoning checkpointed beside the text; empty when there was none. */
  reasoning: string;
  /** The tool steps journalled so far (calls without a result marked aborted). */
  tool_steps: ToolStep[];
  /** Absolute path, for `removeJournal`. */
  path: string;
}

const journalFolder = '.journal';

function journalPath(root: string, header: Pick<JournalHeader, 'conversation_file' | 'generation_id'>): string {
  return join(root, dirname(header.conversation_file), journalFolder, `${header.generation_id}.jsonl`);
}

export class GenerationJournal {
  /** Journals whose last checkpoint failed after their reply ended (a full disk): retried until written. */
  static readonly #unsettled = new Set<GenerationJournal>();

  readonly path: string;
  readonly #header: JournalHeader;
  readonly #intervalMs: number;
  /** Opened by the first checkpoint: a reply that ends within one interval never touches the disk here. */
  #handle: FileHandle | undefined;
  /** Bytes of whole lines on disk: a failed write is cut back to here, so no torn line hides later ones. */
  #length = 0;
  #pending = '';
  #pendingReasoning = '';
  /** Whole lines waiting for the next flush, in order: text before a tool event stays before it. */
  #pendingLines: string[] = [];
  #flushing: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout;
  readonly #onError: (error: unknown) => void;

  private constructor(path: string, header: JournalHeader, intervalMs: number, onError: (error: unknown) => void) {
    this.path = path;
    this.#header = header;
    this.#intervalMs = intervalMs;
    this.#onError = onError;
    this.#timer = setInterval(() => void this.flush().catch(onError), intervalMs);
    this.#timer.unref();
  }

  /**
   * `root` is the project root; `header.conversation_file` must already be resolved by the store. Nothing is
   * written yet: the file (header, then text) is created by the first checkpoint, so creating it costs nothing
   * on the way to the first token, and a crash before that checkpoint loses less than one interval of text,
   * the same as a crash between two checkpoints. `onError` hears about checkpoints that fail on the interval.
   */
  static async open(
    root: string,
    header: JournalHeader,
    intervalMs = 1000,
    onError: (error: unknown) => void = () => undefined,
  ): Promise<GenerationJournal> {
    return new GenerationJournal(journalPath(root, header), header, intervalMs, onError);
  }

  /** One more try for every journal still holding text it could not write; how many are still not written. */
  static async settleAll(): Promise<number> {
    for (const journal of GenerationJournal.#unsettled) await journal.#settle().catch(() => undefined);
    return GenerationJournal.#unsettled.size;
  }

  /** Buffers text; it reaches the disk at the next flush. */
  write(text: string): void {
    this.#pending += text;
  }

  /** Buffers reasoning; it reaches the disk at the next flush, on the same line as any text. */
  writeReasoning(text: string): void {
    this.#pendingReasoning += text;
  }

  /**
   * Records a step boundary, a tool call or its result, after the text buffered so far, and checkpoints at once:
   * a tool may have side effects, so its call and result must not be lost to a crash and run twice.
   */
  writeEvent(event: Extract<ReplyEvent, { type: 'step' | 'tool_call' | 'tool_result' }>): Promise<void> {
    this.#cutTextLine();
    this.#pendingLines.push(JSON.stringify({ event }) + '\n');
    return this.flush();
  }

  #cutTextLine(): void {
    if (this.#pending === '' && this.#pendingReasoning === '') return;
    this.#pendingLines.push(
      JSON.stringify({ text: this.#pending, ...(this.#pendingReasoning === '' ? {} : { reasoning: this.#pendingReasoning }) }) + '\n',
    );
    this.#pending = '';
    this.#pendingReasoning = '';
  }

  /**
   * Writes the buffered text as one line and fsyncs it (the file and its header first, if new). Flushes never
   * overlap. A flush that fails (the disk is full) keeps its text for the next one and leaves no partial line.
   */
  flush(): Promise<void> {
    // A failed flush must not stop every later one: each starts after the previous has settled, however.
    this.#flushing = this.#flushing
      .catch(() => undefined)
      .then(async () => {
        this.#cutTextLine();
        if (this.#pendingLines.length === 0) return;
        const pendingLines = this.#pendingLines;
        this.#pendingLines = [];
        try {
          let lines = pendingLines.join('');
          if (this.#handle === undefined) {
            await mkdir(dirname(this.path), { recursive: true });
            this.#handle = await open(this.path, 'w');
            this.#length = 0;
          }
          if (this.#length === 0) lines = JSON.stringify(this.#header) + '\n' + lines;
          const bytes = Buffer.from(lines, 'utf8');
          await writeAll(this.#handle, bytes, this.#length);
          await this.#handle.datasync();
          this.#length += bytes.length;
        } catch (error) {
          this.#pendingLines = [...pendingLines, ...this.#pendingLines];
          await this.#handle?.truncate(this.#length).catch(() => undefined);
          throw error;
        }
      });
    return this.#flushing;
  }

  /**
   * Stops checkpointing; `remove` deletes the file (the reply is safely in the tree). When the last checkpoint
   * cannot be written, the text stays in memory and is retried on the interval until it is (and once more
   * at shutdown, through settleAll), so a reply that could be saved nowhere reaches its journal once there is room.
   */
  async close(options: { remove: boolean }): Promise<void> {
    clearInterval(this.#timer);
    if (options.remove) {
      await this.#flushing.catch(() => undefined);
      await this.#handle?.close();
      if (this.#handle !== undefined) await rm(this.path, { force: true });
      return;
    }
    try {
      await this.#settle();
    } catch (error) {
      this.#onError(error);
      GenerationJournal.#unsettled.add(this);
      this.#timer = setInterval(() => void this.#settle().catch(() => undefined), this.#intervalMs);
      this.#timer.unref();
    }
  }

  /** The last checkpoint, then the file is closed. */
  async #settle(): Promise<void> {
    await this.flush();
    clearInterval(this.#timer);
    GenerationJournal.#unsettled.delete(this);
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close();
  }
}

/** Writes every byte at `position`, however many calls it takes: a short write is not an end. */
async function writeAll(handle: FileHandle, bytes: Buffer, position: number): Promise<void> {
  for (let offset = 0; offset < bytes.length;) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset, position + offset);
    offset += bytesWritten;
  }
}

/** Every journal left under `data/conversations/`, with its text; a torn last line is ignored. */
export async function findJournals(root: string): Promise<RecoveredJournal[]> {
  const found: RecoveredJournal[] = [];
  for (const path of await journalFiles(root)) {
    const parsed = parseJournal(await readFile(path, 'utf8'));
    if (parsed) found.push({ ...parsed, path });
  }
  return found;
}

/**
 * Removes the journals without a readable header, root-relative paths returned: a process killed in the middle
 * of a journal's first checkpoint leaves an empty or torn file, which holds no reply (the text in that first
 * write was not yet durable, less than one checkpoint interval of it) and which nothing would ever remove.
 */
export async function removeUnreadableJournals(root: string): Promise<string[]> {
  const removed: string[] = [];
  for (const path of await journalFiles(root)) {
    if (parseJournal(await readFile(path, 'utf8')) !== undefined) continue;
    await rm(path, { force: true });
    removed.push(relative(root, path));
  }
  return removed;
}

async function journalFiles(root: string): Promise<string[]> {
  const conversations = join(root, 'data', 'conversations');
  let folders: string[];
  try {
    folders = await readdir(conversations);
  } catch {
    return [];
  }
  const paths: string[] = [];
  for (const folder of folders) {
    const directory = join(conversations, folder, journalFolder);
    const files = await readdir(directory).catch(() => [] as string[]);
    paths.push(...files.filter((name) => name.endsWith('.jsonl')).map((name) => join(directory, name)));
  }
  return paths;
}

function parseJournal(text: string): Omit<RecoveredJournal, 'path'> | undefined {
  const lines = text.split('\n').filter((line) => line !== '');
  let header: JournalHeader;
  try {
    header = JSON.parse(lines[0] ?? '') as JournalHeader;
  } catch {
    return undefined;
  }
  const named = ['generation_id', 'conversation_file', 'parent_id', 'node_id'] as const;
  if (typeof header !== 'object' || header === null || named.some((field) => typeof header[field] !== 'string')) return undefined;
  const reply = new ReplyFold();
  for (const line of lines.slice(1)) {
    let checkpoint: { text?: unknown; reasoning?: unknown; event?: unknown };
    try {
      checkpoint = JSON.parse(line) as typeof checkpoint;
    } catch {
      break; // the crash cut this line short; everything before it is intact
    }
    if (typeof checkpoint.reasoning === 'string') reply.apply({ type: 'reasoning', content: checkpoint.reasoning });
    if (typeof checkpoint.text === 'string') reply.apply({ type: 'chunk', content: checkpoint.text });
    if (typeof checkpoint.event === 'object' && checkpoint.event !== null) reply.apply(checkpoint.event as GenerationEvent);
  }
  return { header, content: reply.content, reasoning: reply.reasoning, tool_steps: reply.toolSteps };
}

export async function removeJournal(path: string): Promise<void> {
  await rm(path, { force: true });
}

/**
 * Writes a reply that could not be saved in the tree (its parent was deleted meanwhile) to
 * `recovered-<generation_id>.json` beside the conversation; returns its root-relative path.
 */
export async function writeRecoveryFile(
  root: string,
  record: { conversation_file: string; generation_id: string; [key: string]: unknown },
): Promise<string> {
  const path = join(root, dirname(record.conversation_file), `recovered-${record.generation_id}.json`);
  // The folder may be gone (the conversation was deleted while the reply streamed): the reply is still kept.
  await mkdir(dirname(path), { recursive: true });
  await writeDurably(path, JSON.stringify(record, null, 2) + '\n');
  return relative(root, path);
}
