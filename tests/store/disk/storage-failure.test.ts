/**
 * @module Storage failures in words: a full disk or a read-only mount is said plainly, names the root-relative
 * file and no absolute path, and reaches the HTTP caller although its code is INTERNAL; other failures stay masked.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { toWireError } from '../../../src/http/error-response.js';
import { storageFailure } from '../../../src/store/disk/storage-failure.js';

const test = suite('storage failures');

const nodeError = (code: string, message: string): NodeJS.ErrnoException => Object.assign(new Error(message), { code });

test('a full disk says so, names the file, hides the absolute path, and is shown to the caller', () => {
  const error = storageFailure(
    'write',
    'data/conversations/demo/conversation.json',
    nodeError('ENOSPC', "ENOSPC: no space left on device, write '/srv/branchflow/data/conversations/demo/conversation.json.123'"),
    'nothing was changed',
  );
  assert.is(error.code, 'INTERNAL');
  assert.equal(toWireError(error, 'request-1'), {
    code: 'INTERNAL',
    message: 'could not write data/conversations/demo/conversation.json: the disk is full (ENOSPC); nothing was changed',
    details: { file: 'data/conversations/demo/conversation.json' },
  });
});

test('a read-only mount says so', () => {
  const error = storageFailure(
    'lock',
    'data/conversations/demo/conversation.json',
    nodeError('EROFS', 'EROFS: read-only file system, mkdir'),
    'nothing was changed',
  );
  assert.is(
    toWireError(error, 'request-2').message,
    'could not lock data/conversations/demo/conversation.json: the file system is read-only (EROFS); nothing was changed',
  );
});

test('a failure that is not about the storage stays masked on the wire, with its cause kept for the log', () => {
  const cause = new TypeError("Cannot read properties of undefined (reading 'x') at /srv/branchflow/src/store/file.ts");
  const error = storageFailure('write', 'data/conversations/demo/conversation.json', cause, 'nothing was changed');
  assert.equal(toWireError(error, 'request-3'), { code: 'INTERNAL', message: 'internal error; see the server log, request request-3' });
  assert.is(error.cause, cause);
});

test.run();
