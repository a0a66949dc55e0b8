/** @module `branchflow new`: create a conversation folder (conversation.json and settings.json). */
import type { CliCommand } from '../command.js';

export const newCommand: CliCommand = (program, cli) => {
  program
    .command('new')
    .description('create a conversation under data/conversations/<slug>/ and print its short name')
    .argument('<name>', 'its display name (the folder name is made from it)')
    .option('-s, --system <prompt>', 'a system prompt as the root message')
    .option('-g, --greeting <text...>', 'opening assistant message(s); several become sibling branches')
    .option('-c, --config <config>', 'the LLM config to store in settings.json (short name or path)')
    .action(async (name: string, options: { system?: string; greeting?: string[]; config?: string }) => {
      const engine = await cli.engine();
      const result = await engine.api.call<{ file: string; slug: string }>('modules/chat_branches/create_conversation', {
        name,
        ...(options.system === undefined ? {} : { system_prompt: options.system }),
        ...(options.greeting === undefined ? {} : { greeting: options.greeting }),
        ...(options.config === undefined ? {} : { llm_config: options.config }),
      });
      if (cli.json) return cli.printJson(result);
      const typed = /^[\w.-]+$/.test(result.slug) ? result.slug : `'${result.slug.replace(/'/g, `'\\''`)}'`;
      cli.print(`created ${result.file}\nnext: branchflow send ${typed} "Hello"${options.config ? '' : ' --config mock'}`);
    });
};
