/**
 * @module Edits written into a version a save had just moved aside. A save swaps its version in by moving the
 * file aside, checking it, and linking the new one in place; an in-place editor that opened the file before the
 * move and writes after the check writes into the version moved aside, which is no longer the file. The save
 * keeps a descriptor on that version; it is looked at again after short delays, and a change found there is an
 * edit that would otherwise be lost: its text is handed over (with the places the engine wrote since) to be kept.
 */
import { close, fstatSync, readSync } from 'node:fs';
import { promisify } from 'node:util';
import { fileKeyOf, type MovedAside } from '../disk/atomic-write.js';
import type { SandboxedPath } from '../disk/safe-path.js';
import type { DocChange } from '../tree/document.js';

/** When the version moved aside is looked at again, ms after the save: an editor's write is done within the first. */
export const asideCheckDelaysMs = [250, 2000] as const;

export interface AsideEdit {
  file: SandboxedPath;
  /** The version as the editor left it (whole file text). */
  text: string;
  /** Places the engine wrote since the version the editor started from (this save's and later ones). */
  engineChanged: ReadonlySet<string>;
  /** The last look: a text that does not parse now never will. */
  final: boolean;
}

interface Watched {
  file: SandboxedPath;
  aside: MovedAside;
  engineChanged: Set<string>;
  timers: NodeJS.Timeout[];
}

export class AsideEdits {
  readonly #watched = new Set<Watched>();
  readonly #found: (edit: AsideEdit) => Promise<'kept' | 'not yet'>;
  readonly #delays: readonly number[];

  /** `found` answers 'not yet' when the text is still half-written: the next look tries again. */
  constructor(found: (edit: AsideEdit) => Promise<'kept' | 'not yet'>, delays: readonly number[] = asideCheckDelaysMs) {
    this.#found = found;
    this.#delays = delays;
  }

  /** A save moved `aside` out of the way while writing `changes`; look at it after the delays, then close it. */
  watch(file: SandboxedPath, aside: MovedAside, changes: readonly DocChange[]): void {
    const watched: Watched = { file, aside, engineChanged: new Set(), timers: [] };
    this.#note(watched, changes);
    this.#watched.add(watched);
    this.#delays.forEach((delay, index) => {
      // `found` reports its own failures; a descriptor that cannot even be read is closed at the last look.
      const timer = setTimeout(() => void this.#look(watched, index === this.#delays.length - 1).catch(() => undefined), delay);
      timer.unref();
      watched.timers.push(timer);
    });
  }

  /** A later save of `file`: its places are the engine's too, for every version of that file still watched. */
  saved(file: SandboxedPath, changes: readonly DocChange[]): void {
    for (const watched of this.#watched) if (watched.file.relative === file.relative) this.#note(watched, changes);
  }

  /** Versions moved aside and still watched (each holds one descriptor). */
  get size(): number {
    return this.#watched.size;
  }

  /** Looks at every watched version once more, now, then closes them. */
  async close(): Promise<void> {
    for (const watched of [...this.#watched]) await this.#look(watched, true).catch(() => undefined);
  }

  #note(watched: Watched, changes: readonly DocChange[]): void {
    for (const { path } of changes) watched.engineChanged.add(path.join('/'));
  }

  async #look(watched: Watched, final: boolean): Promise<void> {
    if (!this.#watched.has(watched)) return;
    let done = final;
    try {
      const key = fileKeyOf(fstatSync(watched.aside.fd, { bigint: true })).key;
      if (key !== watched.aside.key) {
        const text = readWhole(watched.aside.fd);
        const outcome = await this.#found({ file: watched.file, text, engineChanged: watched.engineChanged, final });
        done ||= outcome === 'kept';
      }
    } finally {
      if (done && this.#watched.delete(watched)) {
        for (const timer of watched.timers) clearTimeout(timer);
        // Off the main thread: this is the last descriptor on a removed version, so closing it frees the file's
        // blocks, which took about 0.7 ms of the event loop per save when done synchronously.
        await closeDescriptor(watched.aside.fd);
      }
    }
  }
}

const closeDescriptor = promisify(close);

function readWhole(fd: number): string {
  const size = Number(fstatSync(fd).size);
  const buffer = Buffer.alloc(size);
  let offset = 0;
  while (offset < size) {
    const read = readSync(fd, buffer, offset, size - offset, offset);
    if (read === 0) break;
    offset += read;
  }
  return buffer.subarray(0, offset).toString('utf8');
}
