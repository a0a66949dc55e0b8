/** @module `branchflow regenerate`: a new sibling reply for an assistant message (by default the active leaf). */
import type { CliCommand } from '../command.js';
import { printGeneration } from '../generation-output.js';
import { configInput } from './shared-options.js';

export const regenerateCommand: CliCommand = (program, cli) => {
  program
    .command('regenerate')
    .description('generate another reply beside an assistant message (default: the active leaf); the new one becomes active')
    .argument('<conversation>', 'short name (branch_demo) or path under data/conversations/')
    .argument('[node]', 'the assistant message to regenerate; default: the active leaf')
    .option('-c, --config <config>', "LLM config: short name (mock) or path; default: the conversation's settings.json")
    .action(async (conversation: string, node: string | undefined, options: { config?: string }) => {
      const engine = await cli.engine();
      let nodeId = node;
      if (nodeId === undefined) {
        const latest = await engine.api.call<{ node_id: string; role: string }>('modules/chat_branches/get_latest_message', {
          conversation_file: conversation,
        });
        if (latest.role !== 'assistant') {
          throw new Error(`the active leaf ${latest.node_id} is a ${latest.role} message; name an assistant message to regenerate`);
        }
        nodeId = latest.node_id;
      }
      await printGeneration(cli, 'workflow/chat_completion/regenerate', {
        conversation_file: conversation,
        node_id: nodeId,
        ...configInput(options.config),
      });
    });
};
