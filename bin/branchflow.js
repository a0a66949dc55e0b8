#!/usr/bin/env node
// The `branchflow` command. The sources are TypeScript run through tsx's loader: there is no build step.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/cli.ts');
process.exitCode = await runCli(process.argv.slice(2));
