/** @module `branchflow list`: every conversation, newest first, with the short name to type in other commands. */
import type { CliCommand } from '../command.js';

interface Summary {
  file: string;
  name: string;
  updated_at?: string;
  nodes_count: number;
  error?: { code: string; message: string };
}

export const listCommand: CliCommand = (program, cli) => {
  program
    .command('list')
    .description('list the conversations under data/conversations/, most recently updated first')
    .action(async () => {
      const engine = await cli.engine();
      const { conversations } = await engine.api.call<{ conversations: Summary[] }>('modules/chat_branches/list_conversations', {});
      if (cli.json) return cli.printJson(conversations);
      if (conversations.length === 0) return cli.print('no conversations yet: branchflow new "<name>" creates one');
      const rows = conversations.map((entry) => ({ short: shortName(entry.file), ...entry }));
      const width = Math.max(...rows.map((row) => row.short.length));
      for (const row of rows) {
        const state = row.error ? `unreadable: ${row.error.message}` : `${row.nodes_count} nodes, updated ${row.updated_at ?? '?'}`;
        cli.print(`${row.short.padEnd(width)}  ${row.name}  (${state})`);
      }
    });
};

/** `data/conversations/<slug>/conversation.json` is typed as `<slug>`; any other file by its path. */
export function shortName(file: string): string {
  return /^data\/conversations\/([^/]+)\/conversation\.json$/.exec(file)?.[1] ?? file;
}
