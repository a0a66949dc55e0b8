/**
 * @module `branchflow restore`: put back messages an outside edit removed, from the recovery file the engine
 * wrote when it noticed (step modules/chat_branches/restore).
 */
import type { CliCommand } from '../command.js';

export const restoreCommand: CliCommand = (program, cli) => {
  program
    .command('restore')
    .description('restore messages removed by an outside edit from their recovery file')
    .argument('<conversation>', 'short name (branch_demo) or path under data/conversations/')
    .argument('<recovery_file>', 'the recovery file named in the notice or the log')
    .option('--nodes <ids>', 'only these node ids, comma-separated (default: all in the file)')
    .action(async (conversation: string, recoveryFile: string, options: { nodes?: string }) => {
      const engine = await cli.engine();
      const nodeIds = options.nodes
        ?.split(',')
        .map((id) => id.trim())
        .filter((id) => id !== '');
      const result = await engine.api.call('modules/chat_branches/restore', {
        file: conversation,
        recovery_file: recoveryFile,
        ...(nodeIds === undefined ? {} : { node_ids: nodeIds }),
      });
      cli.printJson(result);
    });
};
