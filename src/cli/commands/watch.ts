/** @module `branchflow watch`: follow changes to conversations (the engine's and hand edits) until Ctrl-C. */
import type { CliCommand } from '../command.js';

interface WatchEvent {
  type: string;
  file: string;
  origin: string;
  error?: { code: string; message: string };
}

export const watchCommand: CliCommand = (program, cli) => {
  program
    .command('watch')
    .description('print a line for every change to a conversation (or to all of them) until interrupted')
    .argument('[conversation]', 'only this conversation (short name or path)')
    .action(async (conversation: string | undefined) => {
      const engine = await cli.engine({ watch: true });
      const file = conversation === undefined ? undefined : await engine.services.store.resolve(conversation);
      const stop = new AbortController();
      const onSignal = (): void => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      if (!cli.json) cli.io.stderr.write(`watching ${file ?? 'data/conversations/'} (Ctrl-C stops)\n`);
      try {
        for await (const event of engine.api.stream<WatchEvent>(
          'modules/chat_branches/watch',
          file === undefined ? {} : { conversation_file: file },
          {
            signal: stop.signal,
          },
        )) {
          if (cli.json) cli.printJson(event);
          else
            cli.print(
              `${new Date().toISOString()} ${event.type} ${event.file} (${event.origin})${event.error ? `: ${event.error.message}` : ''}`,
            );
        }
      } catch (error) {
        if (!stop.signal.aborted) throw error;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
};
