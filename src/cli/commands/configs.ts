/** @module `branchflow configs`: the LLM configs, and for each unusable one the whole reason. */
import type { CliCommand } from '../command.js';

interface ConfigSummary {
  file: string;
  name: string;
  provider: string | null;
  model: string | null;
  key_resolves: boolean;
  error?: { code: string; message: string };
}

export const configsCommand: CliCommand = (program, cli) => {
  program
    .command('configs')
    .description('list the LLM configs under data/llm_configs/ and why any is unusable')
    .action(async () => {
      const engine = await cli.engine();
      const { configs } = await engine.api.call<{ configs: ConfigSummary[] }>('modules/llm_api/list_configs', {});
      if (cli.json) return cli.printJson(configs);
      if (configs.length === 0) return cli.print('no configs under data/llm_configs/: branchflow init creates a mock one');
      for (const config of configs) {
        const short = config.file.replace(/^data\/llm_configs\//, '').replace(/\.json$/, '');
        const model = `${config.provider ?? '?'} / ${config.model ?? '?'}`;
        cli.print(`${config.error ? '✗' : '✓'} ${short}  ${config.name}  (${model})`);
        if (config.error) cli.print(`    unusable: ${config.error.message}`);
      }
    });
};
