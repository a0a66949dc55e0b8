/**
 * @module `branchflow rm` and `branchflow mv`: delete or rename a whole conversation (`delete` is a message and its
 * subtree). `rm` asks for `--yes`: there is no undo.
 */
import type { CliCommand } from '../command.js';
import { UsageError } from '../context.js';

export const removeConversationCommand: CliCommand = (program, cli) => {
  program
    .command('rm')
    .description('delete a whole conversation: its folder, with settings and attached images (no undo; needs --yes)')
    .argument('<conversation>', 'short name (branch_demo) or path under data/conversations/')
    .option('--yes', 'really delete it')
    .action(async (conversation: string, options: { yes?: boolean }) => {
      if (!options.yes) {
        throw new UsageError(`rm deletes ${conversation} for good; add --yes to do it (branchflow export keeps a copy first)`);
      }
      const engine = await cli.engine();
      const result = await engine.api.call<{ conversation_file: string }>('modules/chat_branches/delete_conversation', {
        conversation_file: conversation,
      });
      if (cli.json) return cli.printJson(result);
      cli.print(`deleted ${result.conversation_file}`);
    });
};

export const renameConversationCommand: CliCommand = (program, cli) => {
  program
    .command('mv')
    .description("rename a conversation: its folder moves to the new name's slug, and its name changes")
    .argument('<conversation>', 'short name (branch_demo) or path under data/conversations/')
    .argument('<new-name>', 'the new name')
    .action(async (conversation: string, newName: string) => {
      const engine = await cli.engine();
      const result = await engine.api.call<{ conversation_file: string; slug: string }>('modules/chat_branches/rename_conversation', {
        conversation_file: conversation,
        new_name: newName,
      });
      if (cli.json) return cli.printJson(result);
      cli.print(`renamed to ${result.slug} (${result.conversation_file})`);
    });
};
