/** @module Running the CLI in-process against a temporary root, its output and exit code captured. */
import { Readable } from 'node:stream';
import { runCli } from '../../src/cli.js';
import type { TempRoot } from '../helpers/temp-root.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runIn(root: TempRoot, argv: string[], stdin = '', env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: { BRANCHFLOW_ROOT: root.root, LOG_LEVEL: 'silent', ...env },
    stdin: Readable.from([stdin]),
  });
  return { code, stdout, stderr };
}
