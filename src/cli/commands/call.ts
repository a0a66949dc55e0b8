/**
 * @module `branchflow call`: any registered step by its path, as over HTTP: the JSON result, or for a streaming
 * step each event as one JSON line. The escape hatch for steps without a command of their own.
 */
import { readFile } from 'node:fs/promises';
import type { CliCommand } from '../command.js';
import { UsageError } from '../context.js';

export const callCommand: CliCommand = (program, cli) => {
  program
    .command('call')
    .description('call a step by its path and print its JSON result (a streaming step: one JSON line per event)')
    .argument('<path>', 'e.g. modules/chat_branches/branch_table')
    .option('-i, --input <json>', 'the input as JSON (default {})')
    .option('-f, --input-file <file>', 'read the input JSON from this file ("-" for standard input)')
    .action(async (path: string, options: { input?: string; inputFile?: string }) => {
      if (options.input !== undefined && options.inputFile !== undefined) throw new UsageError('give --input or --input-file, not both');
      const text = options.inputFile === undefined ? (options.input ?? '{}') : await readInputFile(cli.io.stdin, options.inputFile);
      let input: unknown;
      try {
        input = JSON.parse(text);
      } catch (error) {
        throw new UsageError(`the input is not JSON: ${(error as Error).message}`);
      }
      const engine = await cli.engine();
      const step = engine.api.get(path);
      if (step.kind === 'plain') return cli.printJson(await cli.withProgress(path, engine.api.call(path, input)));
      for await (const event of engine.api.stream(path, input)) {
        cli.io.stdout.write(`${JSON.stringify(event)}\n`);
        if ((event as { type?: unknown }).type === 'error') cli.exitCode = 1;
      }
    });
};

async function readInputFile(stdin: NodeJS.ReadableStream | undefined, file: string): Promise<string> {
  if (file !== '-') {
    return readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot read --input-file ${file}: ${error.code ?? error.message}`);
    });
  }
  const chunks: Buffer[] = [];
  for await (const chunk of stdin ?? process.stdin) chunks.push(Buffer.from(chunk as string | Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
