/**
 * @module runCli: `branchflow <command>`. Commands run the engine in-process on the same files a server may be
 * serving (the file locks hold across processes). Exit codes: 0 done, 1 the work failed (the error printed as
 * one line), 2 the command was mistyped (one line and a hint).
 */
import { Command, CommanderError } from 'commander';
import { packageVersion } from '../setup/package-root.js';
import { commands } from './commands/index.js';
import { createCliContext, errorLine, UsageError, type CliIo } from './context.js';

const epilog = `
<conversation> is a short name (branch_demo) or a path under data/conversations/; a config is a short name
(mock, mock.json) or a path under data/llm_configs/. Environment: BRANCHFLOW_ROOT (default: the current folder),
LOG_LEVEL; keys and settings may sit in <root>/.env. Exit codes: 0 done, 1 failed, 2 usage error.`;

export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  const cli = createCliContext(io);
  const program = new Command('branchflow')
    .description('branching conversations as files, replies from any LLM')
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('--json', 'machine-readable output: JSON on stdout, no progress line')
    .addHelpText('after', epilog)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // Usage errors are printed below, as one line with a hint.
      outputError: () => undefined,
    });
  for (const add of commands) add(program, cli);
  for (const command of program.commands) command.exitOverride().configureOutput({ outputError: () => undefined });
  program.hook('preAction', () => {
    cli.json = program.opts<{ json?: boolean }>().json === true;
  });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return cli.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end the run through here, successfully.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
      if (error.code === 'commander.help' || error.code === 'commander.executeSubCommandAsync') return 2;
      io.stderr.write(`branchflow: ${error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ')}\n${hint(argv, program)}\n`);
      return 2;
    }
    if (error instanceof UsageError) {
      io.stderr.write(`branchflow: ${error.message}\n${hint(argv, program)}\n`);
      return 2;
    }
    io.stderr.write(`${errorLine(error)}\n`);
    if (io.env['LOG_LEVEL']?.trim() === 'debug' && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return 1;
  } finally {
    await cli.close();
  }
}

function hint(argv: string[], program: Command): string {
  const named = program.commands.find((command) => argv.includes(command.name()));
  return named ? `see: branchflow ${named.name()} --help` : 'see: branchflow --help';
}

function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, stdin: process.stdin };
}
