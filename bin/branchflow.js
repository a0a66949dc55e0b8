#!/usr/bin/env node
// The `branchflow` command. An installed package runs its compiled JavaScript (dist/) under plain node. A clone runs
// the TypeScript sources through tsx instead, even when a dist/ was built: an edit takes effect without a build, and
// a stale dist/ never runs.
import { existsSync } from 'node:fs';

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
