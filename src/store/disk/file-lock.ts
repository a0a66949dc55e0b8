/**
 * @module The cross-process lock on a conversation file (`<file>.lock`, a folder; proper-lockfile) with its
 * owner written inside, so a lock whose process is gone is taken over at once instead of after the stale
 * delay; and the clean-up of temp files that interrupted writes left beside it.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { lock } from 'proper-lockfile';
import type { Logger } from '../../lib/logger.js';
import { CallError } from '../../lib/call-error.js';
import { displacedPath, restoreDisplaced } from './atomic-write.js';
import type { SandboxedPath } from './safe-path.js';
import { storageFailure } from './storage-failure.js';

/**
 * Only "held by someone else" is retried, for about forty seconds. A lock left by a killed process is taken
 * over: at once when its owner was a process on this machine, else once it is older than `staleMs`. Anything
 * else (the folder is gone) fails at once.
 */
export async function lockFile(file: SandboxedPath, staleMs: number, logger: Logger): Promise<() => Promise<void>> {
  const giveUp = Date.now() + 40_000;
  const folder = `${file.absolute}.lock`;
  for (let delay = 5; ; delay = Math.min(delay * 1.5, 100)) {
    try {
      const release = await lock(file.absolute, {
        realpath: false,
        stale: staleMs,
        fs: lockFs,
        onCompromised: (error) => logger.warn('a conversation lock was lost', { file: file.relative, error }),
      });
      // Best effort: without it the lock still holds, and a crash is only noticed after the stale delay.
      await writeFile(join(folder, ownerFileName), `${hostname()} ${process.pid} ${randomBytes(6).toString('hex')}\n`).catch(
        () => undefined,
      );
      return () => release().catch((error) => logger.warn('could not release a conversation lock', { file: file.relative, error }));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new CallError('NOT_FOUND', `no conversation at ${file.relative}`, { details: { file: file.relative } });
      if (code !== 'ELOCKED') throw storageFailure('lock', file.relative, error, 'nothing was changed');
      if (await takeOverFromGoneOwner(folder)) {
        logger.info('took over a conversation lock whose process is gone', { file: file.relative });
        continue;
      }
      if (Date.now() > giveUp) {
        throw new CallError('CONFLICT', `${file.relative} stayed locked by another process (${file.relative}.lock); try again`, {
          cause: error,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, delay * (0.5 + Math.random())));
    }
  }
}

const ownerFileName = 'owner';

/**
 * proper-lockfile removes its lock folder with rmdir; ours also holds the owner file, so removal takes the folder
 * and what is in it (on release, on a stale takeover, and at exit): the owner file, then the folder, two system
 * calls. A recursive rm (lstat, read the folder, lstat and unlink each entry, rmdir) is kept for a folder that
 * holds anything else.
 */
const lockFs = {
  ...fs,
  rmdir: (path: string, callback: (error: NodeJS.ErrnoException | null) => void) =>
    fs.unlink(join(path, ownerFileName), () =>
      fs.rmdir(path, (error) =>
        error?.code === 'ENOTEMPTY' || error?.code === 'EEXIST' ? fs.rm(path, { recursive: true }, callback) : callback(error),
      ),
    ),
  rmdirSync: (path: string) => {
    try {
      fs.unlinkSync(join(path, ownerFileName));
    } catch {
      // No owner file (a lock taken by a process that died before writing it): the folder may still go.
    }
    try {
      fs.rmdirSync(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
      fs.rmSync(path, { recursive: true });
    }
  },
};

/**
 * Takes the lock folder away when its owner, a process on this machine, is gone (killed mid-write): the lock would
 * otherwise block every write to the file, start-up recovery included, until it goes stale (10 s). The folder
 * is first moved aside and removed only if it is still the one judged dead (the owner line holds a random token),
 * so a lock another process took meanwhile is put back. A pid reused by a new process reads as alive: then the
 * stale delay applies, as before.
 */
async function takeOverFromGoneOwner(folder: string): Promise<boolean> {
  const owner = await readFile(join(folder, ownerFileName), 'utf8').catch(() => undefined);
  if (owner === undefined) return false;
  const [host, pidText] = owner.trim().split(' ');
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0 || pid === process.pid || isRunning(pid)) return false;
  const aside = `${folder}-gone-${randomBytes(4).toString('hex')}`;
  try {
    await rename(folder, aside);
  } catch {
    return false; // someone else took it over first, or released it
  }
  if ((await readFile(join(aside, ownerFileName), 'utf8').catch(() => undefined)) !== owner) {
    await rename(aside, folder).catch(() => undefined);
    return false;
  }
  await rm(aside, { recursive: true, force: true });
  return true;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is only someone else's.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Leftovers of writers killed mid-write: a temp file `<file>.<number>` (write-file-atomic's naming) from before
 * its rename, and `<file>.displaced` from the middle of a swap, which goes back in place if the file is missing.
 * Call only while holding the lock: then no other engine writer can have either in flight.
 */
export async function removeOrphanedTempFiles(file: SandboxedPath, logger: Logger): Promise<void> {
  const name = basename(file.absolute);
  const pattern = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.\\d+$`);
  const folder = dirname(file.absolute);
  const siblings = await readdir(folder).catch(() => [] as string[]);
  for (const sibling of siblings.filter((entry) => pattern.test(entry))) {
    await rm(join(folder, sibling), { force: true });
    logger.info('removed a temp file left by an interrupted write', { file: `${dirname(file.relative)}/${sibling}` });
  }
  const displaced = displacedPath(file.absolute);
  if (siblings.includes(basename(displaced))) {
    restoreDisplaced(file.absolute);
    await rm(displaced, { force: true });
    logger.info('finished a save interrupted while it swapped the file', { file: file.relative });
  }
}
