/** @module `branchflow send`: append a user message under the active leaf and stream the reply to it. */
import type { CliCommand } from '../command.js';
import { printGeneration } from '../generation-output.js';
import { configInput, readText } from './shared-options.js';

export const sendCommand: CliCommand = (program, cli) => {
  program
    .command('send')
    .description('append a user message and stream the reply (both saved)')
    .argument('<conversation>', 'short name (branch_demo) or path under data/conversations/')
    .argument('<message>', 'the text to send; "-" reads it from standard input')
    .option('-c, --config <config>', "LLM config: short name (mock) or path; default: the conversation's settings.json")
    .option('-t, --tool <name...>', 'offer only these tools (step paths or mcp:<server>/<tool>); --no-tools offers none')
    .option('--no-tools', 'offer no tools for this reply')
    .action(async (conversation: string, message: string, options: { config?: string; tool?: string[]; tools: boolean }) => {
      await printGeneration(cli, 'workflow/chat_completion/send', {
        conversation_file: conversation,
        content: await readText(cli, message),
        ...configInput(options.config),
        ...(options.tools ? {} : { tools: [] }),
        ...(options.tool === undefined ? {} : { tools: options.tool }),
      });
    });
};
