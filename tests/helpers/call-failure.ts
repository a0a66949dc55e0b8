/** @module Awaits a call that must fail and hands back its CallError, for assertions on code and message. */
import * as assert from 'uvu/assert';
import { CallError } from '../../src/lib/call-error.js';

export async function failure(promise: Promise<unknown>): Promise<CallError> {
  try {
    await promise;
  } catch (error) {
    assert.instance(error, CallError);
    return error as CallError;
  }
  assert.unreachable('expected a CallError');
  throw new Error('unreachable');
}
