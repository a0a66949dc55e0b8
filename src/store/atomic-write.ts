/**
 * @module Durable writes and file identity. A write goes to a temp file in the same folder (`<name>.<digits>`,
 * the shape the lock's clean-up of orphans knows), every byte of it, fsync'd, and is renamed over the target
 * (keeping the target's mode and, under root, its owner); then the folder is fsync'd so the rename itself
 * survives a power cut. A file's key (device, inode, size, mtime in ns) tells whether it changed since it was
 * read, and whether a change seen by the watcher was the engine's own.
 */
import { randomInt } from 'node:crypto';
import { renameSync, statSync } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface WrittenFile {
  key: string;
  size: number;
}

export async function fileKey(absolute: string): Promise<WrittenFile> {
  const stats = await stat(absolute, { bigint: true });
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
 * fsyncing the temp file), right before the rename: an edit that lands while the temp file is written is seen.
 * `expectedKey` undefined: replace unconditionally.
 */
export async function replaceIfUnchanged(absolute: string, data: string | Buffer, expectedKey: string | undefined): Promise<WrittenFile | 'stale'> {
  const { temp, written } = await writeTemp(absolute, data);
  try {
    // Checked and renamed synchronously, back to back: no callback can run in between, so the window in which a
    // hand edit could still slip under the rename is two system calls wide (POSIX has no compare-and-swap rename).
    if (expectedKey !== undefined && currentKey(absolute) !== expectedKey) {
      await rm(temp, { force: true });
      return 'stale';
    }
    renameSync(temp, absolute);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncFolder(dirname(absolute));
  return written;
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
    if (target) {
      await handle.chmod(target.mode & 0o7777);
      // Under root, a rewrite must not take the file away from the person who owns it.
      if (process.getuid?.() === 0) await handle.chown(target.uid, target.gid).catch(() => undefined);
    }
    await handle.sync();
    // The key of what we wrote, taken from the temp file itself (a rename keeps inode, size and mtime): asking the
    // path after the rename could return a hand edit that landed in between, and the cache would take it for ours.
    const stats = await handle.stat({ bigint: true });
    await handle.close();
    return { temp, written: { key: `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}`, size: Number(stats.size) } };
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw error;
  }
}

/** The file's key, or undefined when it is gone (deleted by hand: a change too). */
function currentKey(absolute: string): string | undefined {
  try {
    const stats = statSync(absolute, { bigint: true });
    return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
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
