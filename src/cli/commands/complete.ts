/** @module `branchflow complete`: generate a reply under the active leaf (or a given node) and save it. */
import type { CliCommand } from '../command.js';
import { printGeneration } from '../generation-output.js';
import { configInput } from './shared-options.js';

export const completeCommand: CliCommand = (program, cli) => {
  program
    .command('complete')
    .description('generate a reply under the active leaf (or --parent) and save it')
    .argument('<conversation>', 'short name (branch_demo) or path under data/conversations/')
    .option('-c, --config <config>', "LLM config: short name (mock) or path; default: the conversation's settings.json")
    .option('-p, --parent <node>', 'reply under this node instead of the active leaf')
    .option('--no-stream', 'wait for the whole reply instead of streaming it')
    .action(async (conversation: string, options: { config?: string; parent?: string; stream: boolean }) => {
      const input = {
        conversation_file: conversation,
        include_doc: false,
        ...configInput(options.config),
        ...(options.parent === undefined ? {} : { parent_node_id: options.parent }),
      };
      if (options.stream) return printGeneration(cli, 'workflow/chat_completion/complete_stream', input);
      const engine = await cli.engine();
      const result = await cli.withProgress(
        'waiting for the reply',
        engine.api.call<{ content: string; node_id: string; usage: unknown }>('workflow/chat_completion/complete', input),
      );
      if (cli.json) return cli.printJson(result);
      cli.print(`${result.content}\n\nsaved as node ${result.node_id}`);
    });
};
