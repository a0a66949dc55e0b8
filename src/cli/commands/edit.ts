/** @module `branchflow edit`: replace the text of one message (in place; its branch and children stay). */
import type { CliCommand } from '../command.js';
import { readText } from './shared-options.js';

export const editCommand: CliCommand = (program, cli) => {
  program
    .command('edit')
    .description('replace a message\'s text; "-" reads the new text from standard input')
    .argument('<conversation>', 'short name (branch_demo) or path under data/conversations/')
    .argument('<node>', 'the node id (see branchflow show / tree)')
    .argument('<text>', 'the new text, or "-" for standard input')
    .action(async (conversation: string, node: string, text: string) => {
      const engine = await cli.engine();
      const result = await engine.api.call('modules/chat_branches/update_message', {
        conversation_file: conversation,
        node_id: node,
        content: await readText(cli, text),
        return_mode: 'none',
      });
      if (cli.json) return cli.printJson(result);
      cli.print(`updated ${node}`);
    });
};
