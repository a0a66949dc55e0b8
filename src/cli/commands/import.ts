/** @module `branchflow import`: a SillyTavern chat (JSONL) as a new conversation, its swipes as sibling branches. */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { CliCommand } from '../command.js';
import { UsageError } from '../context.js';

export const importCommand: CliCommand = (program, cli) => {
  program
    .command('import')
    .description('import a SillyTavern chat (.jsonl) as a new conversation; swipes become sibling branches')
    .argument('<file>', 'the SillyTavern chat file')
    .option('--name <name>', "the conversation's name (default: the file name); its folder must be free")
    .action(async (file: string, options: { name?: string }) => {
      const content = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
        throw new UsageError(`cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
      });
      const engine = await cli.engine();
      const result = await cli.withProgress(
        `importing ${file}`,
        engine.api.call<{ file: string; slug: string; messages: number; branches: number }>('modules/chat_branches/import', {
          name: options.name ?? basename(file).replace(/\.jsonl$/i, ''),
          content,
          format: 'sillytavern',
        }),
      );
      if (cli.json) return cli.printJson(result);
      cli.print(`imported ${result.messages} messages (${result.branches} branches) into ${result.file}`);
      cli.print(`next: branchflow show ${result.slug}`);
    });
};
