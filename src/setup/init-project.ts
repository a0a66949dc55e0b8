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

export async function dataFolderExists(root: string): Promise<boolean> {
  return stat(join(root, 'data')).then(
    (info) => info.isDirectory(),
    () => false,
  );
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
