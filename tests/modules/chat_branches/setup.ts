/** @module Test set-up for the chat_branches steps: a temporary root, a file store and a registry over it. */
import { silentLogger } from '../../../src/lib/logger.js';
import { chatBranchesSteps } from '../../../src/modules/chat_branches/index.js';
import { CallError } from '../../../src/lib/call-error.js';
import { Registry } from '../../../src/registry/registry.js';
import type { Services } from '../../../src/services.js';
import { createFileStore, type FileStore, type FileStoreOptions } from '../../../src/store/file/file-store.js';
import { createTempRoot, type TempRoot } from '../../helpers/temp-root.js';

export interface Harness {
  temp: TempRoot;
  store: FileStore;
  api: Registry;
  close(): Promise<void>;
}

export function createHarness(options: Partial<FileStoreOptions> = {}): Harness {
  const temp = createTempRoot();
  const store = createFileStore({ root: temp.root, logger: silentLogger, ...options });
  const services = { root: temp.root, logger: silentLogger, store } as unknown as Services;
  const api = new Registry(chatBranchesSteps, services);
  return {
    temp,
    store,
    api,
    async close() {
      await store.close();
      temp.cleanup();
    },
  };
}

const timestampPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/;

/** Replaces every timestamp the engine wrote with "TIME", so whole outputs can be compared. */
export function stamped<Value>(value: Value): Value {
  return JSON.parse(JSON.stringify(value), (_key, item: unknown) =>
    typeof item === 'string' && timestampPattern.test(item) ? 'TIME' : item,
  ) as Value;
}

export async function callError(promise: Promise<unknown>): Promise<CallError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CallError) return error;
    throw error;
  }
  throw new Error('expected a CallError');
}
