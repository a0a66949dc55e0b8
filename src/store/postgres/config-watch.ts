/**
 * @module LLM configs stay files on each server's disk with the PostgreSQL store too: this watches
 * `data/llm_configs/` the way the file store does (the same FileWatcher, settle delay and second look at a file
 * that seems invalid) and turns each settled path into the same events: `changed`, `removed`, or `invalid`
 * with the problem. The engine never writes a config, so every change is `external`.
 */
import { realpath } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { CallError } from '../../lib/call-error.js';
import type { Logger } from '../../lib/logger.js';
import { fileKey, reappeared } from '../disk/atomic-write.js';
import { readJsonObjectFile } from '../disk/settings-file.js';
import { llmConfigsFolder } from '../file/file-store.js';
import { FileWatcher, type Inspection } from '../watch/file-watcher.js';
import type { WatchEvent } from '../watch/watch-event.js';

export interface ConfigWatchOptions {
  root: string;
  logger: Logger;
  /** How long a path must be quiet before it is looked at (default 150 ms, as the file store). */
  settleMs?: number;
  emit(event: WatchEvent): void;
}

/** Starts watching; undefined when the root has no `data/llm_configs/` folder (nothing to watch, as the file store). */
export async function watchLlmConfigs(options: ConfigWatchOptions): Promise<FileWatcher | undefined> {
  const real = await realpath(join(options.root, llmConfigsFolder)).catch(() => undefined);
  if (real === undefined) return undefined;
  const watcher = new FileWatcher({
    conversations: undefined,
    folders: [real],
    settleMs: options.settleMs ?? 150,
    logger: options.logger,
    inspect: (absolute) => inspectConfig(real, absolute),
    emit: (event) => options.emit(event),
  });
  await watcher.ready;
  return watcher;
}

async function inspectConfig(real: string, absolute: string): Promise<Inspection> {
  const rest = relative(real, absolute);
  if (rest === '' || rest.startsWith('..')) return undefined;
  const file = [llmConfigsFolder, ...rest.split(sep)].join('/');
  let key: string;
  try {
    key = (await fileKey(absolute)).key;
  } catch {
    // Away for the instant an editor swaps in its save: look again once it is back.
    if (await reappeared(absolute)) return 'retry';
    return { event: { type: 'removed', file, origin: 'external' }, key: 'removed' };
  }
  try {
    await readJsonObjectFile(absolute, file);
    return { event: { type: 'changed', file, origin: 'external' }, key };
  } catch (error) {
    if (!(error instanceof CallError) || error.code !== 'INVALID_FILE') throw error;
    return { event: { type: 'invalid', file, origin: 'external', error: { code: error.code, message: error.message } }, key };
  }
}
