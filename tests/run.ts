/**
 * @module The test runner: every `*.test.ts` under the given folders, each in its own process (a crash or a
 * leaked handle in one file cannot hide another's result), two at a time, then one line `N passed, N failed`.
 * Usage: node --import tsx tests/run.ts [folder-or-file ...] [--filter text]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { figuresFolderVariable, summariseFigures } from './faults/fault-figures.js';

const args = process.argv.slice(2);
const filterIndex = args.indexOf('--filter');
const filter = filterIndex === -1 ? undefined : args.splice(filterIndex, 2)[1];
const roots = args.length > 0 ? args : ['tests'];
// Suites that need their own command (`npm run test:faults`) or a browser are kept out of the default run.
const skippedFolders = new Set(['helpers', 'faults']);

function findTests(path: string): string[] {
  if (statSync(path).isFile()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const child = join(path, entry.name);
      if (entry.isDirectory()) return skippedFolders.has(entry.name) && !roots.includes(child) ? [] : findTests(child);
      return entry.name.endsWith('.test.ts') ? [child] : [];
    });
}

const files = roots.flatMap(findTests).filter((file) => filter === undefined || file.includes(filter));
// The fault suite's files leave their figures here; the summary is printed before the final line.
const figuresFolder = mkdtempSync(join(tmpdir(), 'branchflow-fault-figures-'));

interface FileResult {
  file: string;
  passed: number;
  failed: number;
  output: string;
}

function runFile(file: string): Promise<FileResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', [figuresFolderVariable]: figuresFolder },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    child.on('close', (code) => {
      const total = Number(/Total:\s+(\d+)/.exec(output)?.[1] ?? 0);
      const passed = Number(/Passed:\s+(\d+)/.exec(output)?.[1] ?? 0);
      let failed = total - passed;
      // A file that crashed before reporting, or exited non-zero with all passing, still counts as a failure.
      if (code !== 0 && failed === 0) failed = 1;
      resolve({ file, passed, failed, output });
    });
  });
}

const results: FileResult[] = [];
const queue = [...files];
const workers = Array.from({ length: Math.min(2, availableParallelism(), queue.length) }, async () => {
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    const result = await runFile(file);
    results.push(result);
    const mark = result.failed === 0 ? 'ok  ' : 'FAIL';
    process.stdout.write(`${mark} ${relative('.', file)}  (${result.passed} passed, ${result.failed} failed)\n`);
    if (result.failed > 0) process.stdout.write(result.output.replace(/^/gm, '     | ') + '\n');
  }
});
await Promise.all(workers);

const faultFiles = files.filter((file) => file.split(sep).includes('faults')).length;
for (const line of summariseFigures(figuresFolder, faultFiles)) process.stdout.write(`${line}\n`);
rmSync(figuresFolder, { recursive: true, force: true });

const passed = results.reduce((sum, result) => sum + result.passed, 0);
const failed = results.reduce((sum, result) => sum + result.failed, 0);
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exitCode = failed === 0 && files.length > 0 ? 0 : 1;
