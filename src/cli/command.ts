/** @module The shape of one CLI command: a function that adds itself to the program (one file, one table entry). */
import type { Command } from 'commander';
import type { CliContext } from './context.js';

export type CliCommand = (program: Command, cli: CliContext) => void;
