/**
 * @module Durable writes and file identity. A write goes to a temp file in the same folder, is fsync'd and
 * renamed over the target (write-file-atomic, which also keeps the file's mode), then the folder is fsync'd
 * so the rename itself survives a power cut. A file's key (device, inode, size, mtime in ns) tells whether
 * it changed since it was read, and whether a change seen by the watcher was the engine's own.
 */
import { open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import writeFileAtomic from 'write-file-atomic';

export interface WrittenFile {
  key: string;
  size: number;
}

export async function fileKey(absolute: string): Promise<WrittenFile> {
  const stats = await stat(absolute, { bigint: true });
  return { key: `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}`, size: Number(stats.size) };
}

export async function writeDurably(absolute: string, data: string | Buffer): Promise<WrittenFile> {
  await writeFileAtomic(absolute, data);
  await syncFolder(dirname(absolute));
  return fileKey(absolute);
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
