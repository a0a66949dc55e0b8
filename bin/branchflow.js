#!/usr/bin/env node
// The `branchflow` command. An installed package runs its compiled JavaScript (dist/) under plain node. A clone runs
// the TypeScript sources through tsx instead, even when a dist/ was built: an edit takes effect without a build, and
// a stale dist/ never runs.
import { existsSync } from 'node:fs';

// `branchflow list | head` closes the pipe early: that is the reader's choice, not an error worth a stack.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const source = new URL('../src/cli.ts', import.meta.url);
let cli;
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(source.href);
} else {
  cli = await import('../dist/src/cli.js');
}
process.exitCode = await cli.runCli(process.argv.slice(2));
