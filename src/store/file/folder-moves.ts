/**
 * @module Deleting and renaming a conversation of the file store: its whole folder (settings, `files/`
 * attachments, recovery files) goes or moves in one rename or one recursive removal, under the conversation's
 * lock and after the changes already queued for it. Only a conversation in a folder of its own
 * (`data/conversations/<name>/conversation.json`) can be moved or removed this way: a loose
 * `data/conversations/x.json` shares its folder with every other conversation.
 */
import { lstat, mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { CallError } from '../../lib/call-error.js';
import type { SandboxedPath } from '../disk/safe-path.js';
import { storageFailure } from '../disk/storage-failure.js';

export interface FolderHost {
  root: string;
  conversationsFolder: string;
  /** The cross-process lock on the conversation file (NOT_FOUND when it is gone). */
  lock(file: SandboxedPath): Promise<() => Promise<void>>;
  /** Resolves once the changes queued for the file are written. */
  whenClean(relative: string): Promise<void>;
  /** Drops what the store remembers of the file (its cached tree, its own-write marks). */
  forget(file: SandboxedPath): void;
}

function ownFolderOf(host: FolderHost, file: SandboxedPath, action: string): string {
  if (dirname(file.relative) === host.conversationsFolder) {
    throw new CallError(
      'BAD_INPUT',
      `${file.relative} is not in a folder of its own, so it cannot be ${action}; only data/conversations/<name>/<file>.json can`,
      { details: { file: file.relative } },
    );
  }
  return dirname(file.absolute);
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

async function lockExisting(host: FolderHost, file: SandboxedPath): Promise<() => Promise<void>> {
  await host.whenClean(file.relative);
  if (!(await exists(file.absolute)))
    throw new CallError('NOT_FOUND', `no conversation at ${file.relative}`, { details: { file: file.relative } });
  return host.lock(file);
}

export async function removeFolder(host: FolderHost, file: SandboxedPath): Promise<void> {
  const folder = ownFolderOf(host, file, 'deleted');
  const release = await lockExisting(host, file);
  try {
    // A write landing in the folder while it is emptied (an attachment, a journal) makes rmdir fail with ENOTEMPTY:
    // Node's own retries take the folder again until it is gone.
    await rm(folder, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
  } catch (error) {
    throw storageFailure('delete', `${dirname(file.relative)}/`, error, 'part of the folder may be left');
  } finally {
    // The lock folder went with the conversation folder; releasing a lock that is gone is not an error.
    await release().catch(() => undefined);
    host.forget(file);
  }
}

/** Returns the new canonical path. */
export async function moveFolder(host: FolderHost, from: SandboxedPath, to: SandboxedPath): Promise<string> {
  const source = ownFolderOf(host, from, 'renamed');
  const target = ownFolderOf(host, to, 'the new name');
  if (basename(from.relative) !== basename(to.relative)) {
    throw new CallError('BAD_INPUT', `a rename keeps the file name: ${to.relative} must end in /${basename(from.relative)}`, {
      details: { file: to.relative },
    });
  }
  if (source === target) return from.relative;
  const shownTarget = `${dirname(to.relative)}/`;
  const release = await lockExisting(host, from);
  let moved = false;
  try {
    if (await exists(target)) throw new CallError('CONFLICT', `${shownTarget} already exists`, { details: { file: to.relative } });
    await mkdir(dirname(target), { recursive: true });
    // rename(2) would replace an empty folder made meanwhile; the check above keeps that window small.
    await rename(source, target);
    moved = true;
  } catch (error) {
    if (error instanceof CallError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST')
      throw new CallError('CONFLICT', `${shownTarget} already exists`, { details: { file: to.relative } });
    throw storageFailure('rename', `${dirname(from.relative)}/`, error, 'nothing was moved');
  } finally {
    await release();
    if (moved) {
      // The lock folder moved along with everything else: it is this process's, and nobody waits on it there.
      await rm(`${resolve(target, basename(from.absolute))}.lock`, { recursive: true, force: true });
      host.forget(from);
    }
  }
  return to.relative;
}
