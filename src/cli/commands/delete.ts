/** @module `branchflow delete`: remove a message and everything under it. */
import type { CliCommand } from '../command.js';

export const deleteCommand: CliCommand = (program, cli) => {
  program
    .command('delete')
    .description('delete a message and its whole subtree; the active path moves to a remaining sibling')
    .argument('<conversation>', 'short name (branch_demo) or path under data/conversations/')
    .argument('<node>', 'the node id (see branchflow show / tree)')
    .action(async (conversation: string, node: string) => {
      const engine = await cli.engine();
      const result = await engine.api.call<{ deleted: string[] }>('modules/chat_branches/delete_branch', {
        conversation_file: conversation,
        node_id: node,
        return_mode: 'path',
      });
      if (cli.json) return cli.printJson(result);
      cli.print(`deleted ${result.deleted.length} node${result.deleted.length === 1 ? '' : 's'}: ${result.deleted.join(', ')}`);
    });
};
