/** @module `branchflow init`: a ready root (data/ folders, the demo, sample and mock configs, .env.example). */
import { resolve } from 'node:path';
import type { CliCommand } from '../command.js';

export const initCommand: CliCommand = (program, cli) => {
  program
    .command('init')
    .description('create data/conversations/, data/llm_configs/ (with the demo and a mock config) and .env.example; keeps what exists')
    .argument('[dir]', 'the root to set up (default: BRANCHFLOW_ROOT, else the current folder)')
    .action(async (dir: string | undefined) => {
      const { initProject } = await import('../../setup/init-project.js');
      const root = resolve(dir ?? cli.io.env['BRANCHFLOW_ROOT'] ?? process.cwd());
      const report = await initProject(root);
      if (cli.json) return cli.printJson({ root, ...report });
      for (const path of report.created) cli.print(`created ${path}`);
      for (const path of report.kept) cli.print(`kept    ${path} (already there)`);
      const inRoot = dir === undefined ? '' : `BRANCHFLOW_ROOT=${dir} `;
      cli.print(`\nnext: ${inRoot}branchflow send branch_demo "Hello" --config mock`);
    });
};
