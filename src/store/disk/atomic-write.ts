/**
 * @module Durable writes and file identity. A write goes to a temp file in the same folder (`<name>.<digits>`,
 * the shape the lock's clean-up of orphans knows), every byte of it, fsync'd, and is put in place of the target
 * (keeping the target's mode and, under root, its owner); then the folder is fsync'd so the change itself
 * survives a power cut. A file's key (device, inode, size, mtime in ns) tells whether it changed since it was
 * read, and whether a change seen by the watcher was the engine's own.
 */
import { randomInt } from 'node:crypto';
import { closeSync, existsSync, fstatSync, linkSync, openSync, renameSync, rmSync, statSync, type BigIntStats } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface WrittenFile {
  key: string;
  size: number;
  /**
   * The version this save replaced, still open: an in-place editor that opened it before the swap can write into
   * it after, and then its edit is nowhere on disk. The store looks at it again shortly after (see aside-edits).
   * Set only by a compare-and-swap that replaced; whoever receives it closes `fd`.
   */
  movedAside?: MovedAside;
}

/** An open descriptor on the version a save moved aside and removed, and its key when it was checked. */
export interface MovedAside {
  fd: number;
  key: string;
}

export async function fileKey(absolute: string): Promise<WrittenFile> {
  return fileKeyOf(await stat(absolute, { bigint: true }));
}

export function fileKeyOf(stats: BigIntStats): WrittenFile {
  return { key: `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}`, size: Number(stats.size) };
}

/** Writes the file whatever is there now (a new file, settings, a recovery file). */
export async function writeDurably(absolute: string, data: string | Buffer): Promise<WrittenFile> {
  const written = await replaceIfUnchanged(absolute, data, undefined);
  return written as WrittenFile;
}

/**
 * Replaces the file only if it is still the version `expectedKey` names; 'stale' when someone changed it
 * meanwhile (a hand edit), and then nothing was written. The check comes after the slow part (writing and
 * fsyncing the temp file), at the moment of the swap: an edit that lands while the temp file is written is seen.
 * `expectedKey` undefined: replace unconditionally.
 */
export async function replaceIfUnchanged(
  absolute: string,
  data: string | Buffer,
  expectedKey: string | undefined,
): Promise<WrittenFile | 'stale'> {
  const { temp, written } = await writeTemp(absolute, data);
  let outcome: 'replaced' | 'stale' | MovedAside;
  try {
    if (expectedKey === undefined) {
      renameSync(temp, absolute);
      outcome = 'replaced';
    } else {
      outcome = swapIfUnchanged(absolute, temp, expectedKey);
    }
  } finally {
    // Gone already after a rename; a second name of the new version after a link; unused when stale.
    await rm(temp, { force: true });
  }
  if (outcome === 'stale') return 'stale';
  try {
    await syncFolder(dirname(absolute));
  } catch (error) {
    if (typeof outcome === 'object') closeSync(outcome.fd);
    throw error;
  }
  return outcome === 'replaced' ? written : { ...written, movedAside: outcome };
}

/** Where a file waits, for a few system calls, while a save swaps in its new version. */
export function displacedPath(absolute: string): string {
  return `${absolute}.displaced`;
}

/**
 * A compare-and-swap made of plain system calls, since POSIX has no rename that checks what it replaces. The
 * file is first moved aside (a rename takes whatever is there at that instant, atomically), the version moved
 * aside is checked, and then either the new version or, when it was a hand edit, the edit itself is linked back
 * into place with link(2), which never replaces anything. So an editor that saves at any moment keeps its edit:
 * before the move it is what was moved aside, fails the check and is put back; after it, the link finds the
 * editor's file there and this save gives way ('stale': the caller re-reads and applies its change again).
 * The price is that the file is absent for those few system calls; readers that miss it wait (`reappeared`).
 * Synchronous, back to back: no callback of this process runs while the file is away. Call with the lock held:
 * the lock holder is the only one that moves a file aside or removes what was moved aside.
 */
function swapIfUnchanged(absolute: string, temp: string, expectedKey: string): MovedAside | 'replaced' | 'stale' {
  const displaced = displacedPath(absolute);
  try {
    renameSync(absolute, displaced);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'stale'; // deleted by hand: a change too
    throw error;
  }
  let outcome: MovedAside | 'replaced' | 'stale' = 'stale';
  let fd: number | undefined;
  try {
    // Checked through a descriptor kept open: an edit written into this version after the check stays readable.
    // Out of descriptors, the check still happens, by path, and that version is not looked at again.
    fd = openUnlessOutOfDescriptors(displaced);
    const key = fileKeyOf(fd === undefined ? statSync(displaced, { bigint: true }) : fstatSync(fd, { bigint: true })).key;
    if (key === expectedKey) outcome = placeWithoutReplacing(temp, absolute) ? (fd === undefined ? 'replaced' : { fd, key }) : 'stale';
    else placeWithoutReplacing(displaced, absolute);
  } finally {
    // Whatever went wrong, the file is never left away; and what was moved aside goes only once the file is back.
    if (!existsSync(absolute)) placeWithoutReplacing(displaced, absolute);
    rmSync(displaced, { force: true });
    if (fd !== undefined && typeof outcome !== 'object') closeSync(fd);
  }
  return outcome;
}

function openUnlessOutOfDescriptors(path: string): number | undefined {
  try {
    return openSync(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EMFILE' || code === 'ENFILE') return undefined;
    throw error;
  }
}

/**
 * Links `from` at `to` unless something is there already (false then). On a file system without hard links,
 * a plain rename instead: the old check-then-rename, open to an edit in the same instant, but working.
 */
function placeWithoutReplacing(from: string, to: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw error;
    renameSync(from, to);
    return true;
  }
}

/**
 * After a file was found missing: whether it is back. When a save has it moved aside, wait for the swap to end
 * (microseconds, unless that process was descheduled); if it never ends (the process was killed mid-swap), link
 * the moved-aside version back, which is safe at any moment (a save in progress then finds it and gives way).
 */
export async function reappeared(absolute: string, waitMs = 200): Promise<boolean> {
  const displaced = displacedPath(absolute);
  const until = performance.now() + waitMs;
  while (existsSync(displaced) && !existsSync(absolute)) {
    if (performance.now() > until) {
      restoreDisplaced(absolute);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return existsSync(absolute);
}

/**
 * A version left moved aside by a process killed mid-swap goes back in place if the place is empty. What was
 * moved aside stays (only the lock holder removes it, see `removeOrphanedTempFiles`).
 */
export function restoreDisplaced(absolute: string): void {
  try {
    placeWithoutReplacing(displacedPath(absolute), absolute);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/**
 * The whole of `data` in a new temp file beside `absolute`, fsync'd. A short write (a nearly full disk takes
 * part of it) is an error here, never a truncated file; on any error the temp file is removed.
 */
async function writeTemp(absolute: string, data: string | Buffer): Promise<{ temp: string; written: WrittenFile }> {
  const target = await stat(absolute).catch(() => undefined);
  const temp = `${absolute}.${randomInt(1_000_000_000, 10_000_000_000)}`;
  const handle = await open(temp, 'wx', target ? target.mode & 0o7777 : 0o666);
  try {
    // FileHandle.writeFile loops until every byte is written, so ENOSPC after a partial write surfaces.
    await handle.writeFile(data);
    // The key of what we wrote, taken from the temp file itself (a rename keeps inode, size and mtime): asking the
    // path after the rename could return a hand edit that landed in between, and the cache would take it for ours.
    // A chmod or chown changes neither size nor mtime, so the key holds; they run only when the new file differs.
    const stats = await handle.stat({ bigint: true });
    const written = fileKeyOf(stats);
    if (target) {
      // open() applied the umask: the rewrite keeps the mode the file had.
      if (Number(stats.mode & 0o7777n) !== (target.mode & 0o7777)) await handle.chmod(target.mode & 0o7777);
      // Under root, a rewrite must not take the file away from the person who owns it.
      const owned = Number(stats.uid) === target.uid && Number(stats.gid) === target.gid;
      if (process.getuid?.() === 0 && !owned) await handle.chown(target.uid, target.gid).catch(() => undefined);
    }
    await handle.sync();
    await handle.close();
    return { temp, written };
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw error;
  }
}

async function syncFolder(folder: string): Promise<void> {
  let handle;
  try {
    handle = await open(folder, 'r');
    await handle.sync();
  } catch {
    // Some file systems refuse to fsync a folder; the rename is still atomic, only less certain across a power cut.
  } finally {
    await handle?.close();
  }
}
