/**
 * @module Setting up a root: `data/conversations/`, `data/llm_configs/` and `.env.example`, filled from the shipped
 * examples (the demo conversation, sample configs with a mock one). What is already there is never overwritten:
 * data/ belongs to the user, the examples are only a start.
 */
import { constants } from 'node:fs';
import { copyFile, cp, mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from './package-root.js';

export interface InitReport {
  /** Root-relative paths created. */
  created: string[];
  /** Root-relative paths left as they were because they existed. */
  kept: string[];
}

export function examplesFolder(): string {
  return join(packageRoot(), 'examples');
}

/**
 * Whether `data/<folder>/` is there. A fresh clone has `data/` with only a placeholder in it, so the folders
 * inside, not `data/` itself, tell a set-up root from a new one.
 */
export async function dataFolderExists(root: string, folder: 'conversations' | 'llm_configs'): Promise<boolean> {
  return stat(join(root, 'data', folder)).then(
    (info) => info.isDirectory(),
    () => false,
  );
}

/** A root never set up: neither data folder exists (the server then copies the examples in). */
export async function isNewRoot(root: string): Promise<boolean> {
  return !(await dataFolderExists(root, 'conversations')) && !(await dataFolderExists(root, 'llm_configs'));
}

export async function initProject(root: string): Promise<InitReport> {
  const report: InitReport = { created: [], kept: [] };
  const examples = examplesFolder();
  for (const folder of ['conversations', 'llm_configs']) {
    await mkdir(join(root, 'data', folder), { recursive: true });
    for (const entry of await readdir(join(examples, folder))) {
      const relative = `data/${folder}/${entry}`;
      const target = join(root, relative);
      if (await exists(target)) {
        report.kept.push(relative);
        continue;
      }
      await cp(join(examples, folder, entry), target, { recursive: true, errorOnExist: true, force: false });
      report.created.push(relative);
    }
  }
  try {
    await copyFile(join(packageRoot(), '.env.example'), join(root, '.env.example'), constants.COPYFILE_EXCL);
    report.created.push('.env.example');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    report.kept.push('.env.example');
  }
  return report;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
