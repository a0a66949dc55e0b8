/**
 * @module Storage failures in words: what a failed file-system call means for whoever runs the server (a full
 * disk, a read-only mount, permissions), naming the root-relative file and never the absolute paths that Node's
 * own messages carry. Such an error is INTERNAL (500) but shown on the wire: the operator has to act on it.
 */
import { CallError } from '../../lib/call-error.js';

const reasons: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'the operation is not permitted',
  EIO: 'the disk reported an input/output error',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files on the system',
  EFBIG: 'the file would be larger than the system allows',
};

/** `the disk is full (ENOSPC)`, or undefined for a failure that is not about the storage itself. */
export function storageReason(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason = code === undefined ? undefined : reasons[code];
  return reason === undefined ? undefined : `${reason} (${code})`;
}

/**
 * `could not <action> <file>: <reason>; <outcome>`. A known storage reason is shown to the caller; anything else
 * keeps Node's message for the log and stays masked on the wire like every other internal error.
 */
export function storageFailure(action: string, file: string, error: unknown, outcome: string): CallError {
  const reason = storageReason(error);
  if (reason === undefined) {
    return new CallError('INTERNAL', `could not ${action} ${file}: ${(error as Error).message}; ${outcome}`, { cause: error });
  }
  return new CallError('INTERNAL', `could not ${action} ${file}: ${reason}; ${outcome}`, {
    cause: error,
    exposed: true,
    details: { file },
  });
}
