/** @module `branchflow switch`: make sibling j the active branch (of the leaf, a node, or a depth of the path). */
import type { CliCommand } from '../command.js';
import { UsageError } from '../context.js';
import { showActivePath } from './show.js';

export const switchCommand: CliCommand = (program, cli) => {
  program
    .command('switch')
    .description('switch to sibling <j> of the active leaf (or of --node / --depth) and print the new active path')
    .argument('<conversation>', 'short name (branch_demo) or path under data/conversations/')
    .argument('<j>', 'which sibling, counting from 1 (as in ‹j/n›)')
    .option('-n, --node <node>', 'switch among the siblings of this node')
    .option('-d, --depth <depth>', 'switch at this depth of the active path (1 = its root)')
    .action(async (conversation: string, j: string, options: { node?: string; depth?: string }) => {
      const target = positiveInteger(j, '<j>');
      const engine = await cli.engine();
      const result = await engine.api.call('modules/chat_branches/switch_branch', {
        conversation_file: conversation,
        target_j: target,
        return_mode: 'path',
        ...(options.node === undefined ? {} : { node_id: options.node }),
        ...(options.depth === undefined ? {} : { depth: positiveInteger(options.depth, '--depth') }),
      });
      if (cli.json) return cli.printJson(result);
      await showActivePath(cli, conversation, false);
    });
};

export function positiveInteger(text: string, what: string): number {
  if (!/^[1-9]\d*$/.test(text)) throw new UsageError(`${what} must be a whole number from 1; got "${text}"`);
  return Number(text);
}
