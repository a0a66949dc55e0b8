/**
 * @module The folder branchflow is installed in (where package.json and examples/ are), found by walking up
 * from this file, so it holds whether the sources run through tsx or a build runs from dist/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let found: string | undefined;

export function packageRoot(): string {
  if (found !== undefined) return found;
  let folder = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(folder, 'package.json'))) {
    const parent = dirname(folder);
    if (parent === folder) throw new Error('branchflow cannot find its own package.json above ' + fileURLToPath(import.meta.url));
    folder = parent;
  }
  found = folder;
  return folder;
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
