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
      // A recovery file named alone (as the notice and the log name it) is the one in the conversation's folder.
      const file = await engine.services.store.resolve(conversation);
      const inFolder = recoveryFile.includes('/') ? recoveryFile : `${file.replace(/[^/]+$/, '')}${recoveryFile}`;
      const result = await engine.api.call<{ message?: string }>('modules/chat_branches/restore', {
        conversation_file: file,
        recovery_file: inFolder,
        ...(nodeIds === undefined ? {} : { node_ids: nodeIds }),
      });
      if (cli.json || typeof result.message !== 'string') cli.printJson(result);
      else cli.print(result.message);
    });
};
