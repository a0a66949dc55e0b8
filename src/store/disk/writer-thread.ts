/**
 * @module The writer thread. It keeps a mirror of each big tree it writes, applies the same change sets the
 * main thread applies, and does the slow part (serialising, writing, fsync) off the event loop. It also parses
 * big files on a cache miss. Messages: `parse`, `write` (a change set against a known file version),
 * `write-full` (the whole tree, when the mirror is out of step) and `forget`.
 */
import { readFile } from 'node:fs/promises';
import { getPriority, setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import type { ConversationDoc, DocChange } from '../tree/document.js';
import { fileKey, replaceIfUnchanged, writeDurably, type WrittenFile } from './atomic-write.js';
import { parseTree, serialiseTree, type FileProblem } from '../tree/parse-tree.js';
import { applyChanges } from '../tree/changes.js';

export type WriterRequest =
  | { kind: 'parse'; file: string }
  | { kind: 'write'; file: string; baseKey: string; changes: DocChange[] }
  | { kind: 'write-full'; file: string; doc: ConversationDoc }
  | { kind: 'forget'; file: string };

export type ParseReply = WrittenFile & ({ doc: ConversationDoc; problem?: never } | { problem: FileProblem; doc?: never });
/** `stale`: the file on disk is not the version the change set was made against. */
export type WriteReply = (WrittenFile & { stale?: never }) | { stale: true };

interface Mirror {
  doc: ConversationDoc;
  /** The file version the mirror equals; empty while a write is under way. */
  key: string;
  size: number;
}

/** Oldest mirrors go first past this many bytes of files: memory stays bounded with many big conversations. */
const mirrorBudget = 512 * 1024 * 1024;
const mirrors = new Map<string, Mirror>();

async function handle(request: WriterRequest): Promise<unknown> {
  switch (request.kind) {
    case 'parse':
      return parse(request.file);
    case 'write':
      return write(request.file, request.baseKey, request.changes);
    case 'write-full':
      return writeWhole(request.file, request.doc);
    case 'forget':
      mirrors.delete(request.file);
      return {};
  }
}

async function parse(file: string): Promise<ParseReply> {
  const before = await fileKey(file);
  const text = await readFile(file, 'utf8');
  const after = await fileKey(file);
  // Changed while being read (an editor saving): the caller reads again rather than cache a mix.
  if (after.key !== before.key) return parse(file);
  const parsed = parseTree(text);
  if (parsed.doc) keep(file, { doc: parsed.doc, ...after });
  return parsed.doc ? { ...after, doc: parsed.doc } : { ...after, problem: parsed.problem };
}

async function write(file: string, baseKey: string, changes: DocChange[]): Promise<WriteReply> {
  let mirror = mirrors.get(file);
  if (!mirror || mirror.key !== baseKey) {
    const loaded = await parse(file);
    if (loaded.key !== baseKey || !loaded.doc) return { stale: true };
    mirror = mirrors.get(file)!;
  }
  mirror.key = '';
  try {
    applyChanges(mirror.doc, changes);
    // The version check happens again right before the rename: a hand edit during the slow write is not lost.
    const written = await replaceIfUnchanged(file, serialiseTree(mirror.doc), baseKey);
    if (written === 'stale') {
      mirrors.delete(file);
      return { stale: true };
    }
    return finish(file, mirror, written);
  } catch (error) {
    mirrors.delete(file);
    throw error;
  }
}

async function writeWhole(file: string, doc: ConversationDoc): Promise<WriteReply> {
  const mirror = { doc, key: '', size: 0 };
  keep(file, mirror);
  try {
    return finish(file, mirror, await writeDurably(file, serialiseTree(doc)));
  } catch (error) {
    mirrors.delete(file);
    throw error;
  }
}

function finish(file: string, mirror: Mirror, written: WrittenFile): WrittenFile {
  mirror.key = written.key;
  mirror.size = written.size;
  keep(file, mirror);
  return written;
}

function keep(file: string, mirror: Mirror): void {
  mirrors.delete(file);
  mirrors.set(file, mirror);
  let total = 0;
  for (const kept of mirrors.values()) total += kept.size;
  for (const [oldest, kept] of mirrors) {
    if (total <= mirrorBudget || oldest === file) break;
    mirrors.delete(oldest);
    total -= kept.size;
  }
}

// On Linux a thread's niceness is its own: on a busy machine the event loop wins the CPU over serialising, so
// the cost of a write lands in its latency, not in a stall for every other request. Elsewhere it would renice
// the whole process, so it is left alone.
if (process.platform === 'linux') {
  try {
    // Relative to the thread's own niceness (inherited from the process): the gap is what matters.
    setPriority(Math.min(19, getPriority() + 10));
  } catch {
    // Not permitted (some containers): the writer runs at normal priority.
  }
}

parentPort?.on('message', (message: { id: number; request: WriterRequest }) => {
  handle(message.request).then(
    (result) => parentPort!.postMessage({ id: message.id, result }),
    (error: Error) =>
      parentPort!.postMessage({ id: message.id, error: { message: error.message, code: (error as NodeJS.ErrnoException).code } }),
  );
});
