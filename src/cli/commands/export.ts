/**
 * @module `branchflow export`: a conversation's active path as SillyTavern JSONL (the other replies of each
 * assistant turn as its swipes) or Markdown, or the whole tree as JSON. Named for one conversation, so a
 * database export can sit beside it as another command.
 */
import { writeFile } from 'node:fs/promises';
import type { CliCommand } from '../command.js';
import { UsageError } from '../context.js';

const formats = ['sillytavern', 'markdown', 'json'] as const;

export const exportCommand: CliCommand = (program, cli) => {
  program
    .command('export')
    .description('export a conversation as SillyTavern JSONL, Markdown (its active path) or JSON (the whole tree)')
    .argument('<conversation>', 'short name (branch_demo) or path under data/conversations/')
    .option('--format <format>', `one of ${formats.join(', ')}`, 'sillytavern')
    .option('-o, --output <file>', 'write to this file instead of standard output')
    .action(async (conversation: string, options: { format: string; output?: string }) => {
      if (!(formats as readonly string[]).includes(options.format)) {
        throw new UsageError(`--format must be one of ${formats.join(', ')}; got "${options.format}"`);
      }
      const engine = await cli.engine();
      const result = await engine.api.call<{ content: string; file: string; messages: number }>('modules/chat_branches/export', {
        conversation_file: conversation,
        format: options.format,
      });
      if (options.output === undefined) {
        if (cli.json) return cli.printJson(result);
        cli.io.stdout.write(result.content.endsWith('\n') ? result.content : `${result.content}\n`);
        return;
      }
      await writeFile(options.output, result.content, { flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
        throw new Error(`cannot write ${options.output}: ${error.code === 'EEXIST' ? 'it exists (not overwritten)' : error.message}`);
      });
      if (cli.json) return cli.printJson({ ...result, content: undefined, output: options.output });
      cli.print(`wrote ${options.output} (${result.messages} messages, ${options.format})`);
    });
};
