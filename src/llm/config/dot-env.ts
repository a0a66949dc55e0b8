/**
 * @module Reads `.env` at the root into the environment at start-up, and again when the file changes (checked at
 * most once a second, when a config is loaded): a key added to `.env` works without a restart. Variables the
 * real environment set always win; a variable removed from `.env` is removed again if `.env` had set it.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseEnv } from 'node:util';

export interface DotEnvResult {
  /** The file read, or null when there is none. */
  file: string | null;
  /** Names set from the file (never their values: they are usually keys). */
  loaded: string[];
  /** Names in the file that the real environment already set, and so kept. */
  kept: string[];
}

interface Loaded {
  /** Names this file set (and so may change or remove when it changes). */
  names: Set<string>;
  /** The file's version when read: size, modification time and inode; '' when there was none. */
  version: string;
  checkedAt: number;
  checking?: Promise<void> | undefined;
}

/** Per environment object and root: what `.env` put there. */
const loadedFiles = new WeakMap<NodeJS.ProcessEnv, Map<string, Loaded>>();
const recheckAfterMs = 1000;

export async function loadDotEnv(root: string, env: NodeJS.ProcessEnv = process.env): Promise<DotEnvResult> {
  const file = join(root, '.env');
  const state = stateOf(root, env);
  const version = await versionOf(file);
  const result = await apply(file, env, state);
  state.version = version;
  state.checkedAt = Date.now();
  return result;
}

/** Re-reads `.env` when it changed since it was last read; at most one check per second per root. */
export async function refreshDotEnv(root: string, env: NodeJS.ProcessEnv): Promise<void> {
  const state = stateOf(root, env);
  if (state.checking) return state.checking;
  if (Date.now() - state.checkedAt < recheckAfterMs) return;
  state.checking = (async () => {
    const file = join(root, '.env');
    const version = await versionOf(file);
    if (version !== state.version) {
      await apply(file, env, state).catch(() => undefined);
      state.version = version;
    }
    state.checkedAt = Date.now();
  })().finally(() => (state.checking = undefined));
  return state.checking;
}

function stateOf(root: string, env: NodeJS.ProcessEnv): Loaded {
  let roots = loadedFiles.get(env);
  if (!roots) loadedFiles.set(env, (roots = new Map<string, Loaded>()));
  let state = roots.get(root);
  if (!state) roots.set(root, (state = { names: new Set(), version: '', checkedAt: 0 }));
  return state;
}

async function versionOf(file: string): Promise<string> {
  return stat(file).then(
    (info) => `${info.ino}:${info.size}:${info.mtimeMs}`,
    () => '',
  );
}

async function apply(file: string, env: NodeJS.ProcessEnv, state: Loaded): Promise<DotEnvResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    for (const name of state.names) delete env[name];
    state.names.clear();
    return { file: null, loaded: [], kept: [] };
  }
  const loaded: string[] = [];
  const kept: string[] = [];
  const values = parseEnv(text);
  for (const name of state.names) {
    if (values[name] === undefined) {
      delete env[name];
      state.names.delete(name);
    }
  }
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) continue;
    if (env[name] !== undefined && !state.names.has(name)) kept.push(name);
    else {
      env[name] = value;
      state.names.add(name);
      loaded.push(name);
    }
  }
  return { file, loaded, kept };
}
