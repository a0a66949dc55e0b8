/**
 * @module The cross-process lock on a conversation file (`<file>.lock`, a folder; proper-lockfile), and the
 * clean-up of temp files that interrupted writes left beside it.
 */
import { readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { lock } from 'proper-lockfile';
import type { Logger } from '../lib/logger.js';
import { CallError } from '../registry/call-error.js';
import type { SandboxedPath } from './safe-path.js';
import { storageFailure } from './storage-failure.js';

/**
 * Only "held by someone else" is retried, for about forty seconds: longer than `staleMs`, so a lock left by a
 * killed process is taken over. Anything else (the folder is gone) fails at once.
 */
export async function lockFile(file: SandboxedPath, staleMs: number, logger: Logger): Promise<() => Promise<void>> {
  const giveUp = Date.now() + 40_000;
  for (let delay = 5; ; delay = Math.min(delay * 1.5, 100)) {
    try {
      const release = await lock(file.absolute, {
        realpath: false,
        stale: staleMs,
        onCompromised: (error) => logger.warn('a conversation lock was lost', { file: file.relative, error }),
      });
      return () => release().catch((error) => logger.warn('could not release a conversation lock', { file: file.relative, error }));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new CallError('NOT_FOUND', `no conversation at ${file.relative}`, { details: { file: file.relative } });
      if (code !== 'ELOCKED') throw storageFailure('lock', file.relative, error, 'nothing was changed');
      if (Date.now() > giveUp) {
        throw new CallError('CONFLICT', `${file.relative} stayed locked by another process (${file.relative}.lock); try again`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, delay * (0.5 + Math.random())));
    }
  }
}

/**
 * A writer killed between creating its temp file and renaming it leaves `<file>.<number>` behind (write-file-
 * atomic's naming). Call only while holding the lock: then no other engine writer can have one in flight.
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
}
