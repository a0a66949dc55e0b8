/** @module The command line's entry (bin/branchflow.js imports it); the commands live in src/cli/. */
export { runCli } from './cli/index.js';
