/** @module Reads `.env` at the root into the environment at start-up; variables already set win. */
import { readFile } from 'node:fs/promises';
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

export async function loadDotEnv(root: string, env: NodeJS.ProcessEnv = process.env): Promise<DotEnvResult> {
  const file = join(root, '.env');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { file: null, loaded: [], kept: [] };
    throw error;
  }
  const loaded: string[] = [];
  const kept: string[] = [];
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (value === undefined) continue;
    if (env[name] !== undefined) kept.push(name);
    else {
      env[name] = value;
      loaded.push(name);
    }
  }
  return { file, loaded, kept };
}
