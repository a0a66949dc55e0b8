/** @module `branchflow serve`: the HTTP server, the same as `npm start`. */
import type { CliCommand } from '../command.js';

export const serveCommand: CliCommand = (program, cli) => {
  program
    .command('serve')
    .description('start the HTTP server, the API and the playground (HOST, PORT, BRANCHFLOW_TOKEN from the environment or .env)')
    .action(async () => {
      const { serve } = await import('../../serve.js');
      cli.exitCode = await serve();
    });
};
