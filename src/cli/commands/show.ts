/** @module `branchflow show`: the active path, one line per message, with its position among its siblings. */
import type { CliCommand } from '../command.js';
import type { CliContext } from '../context.js';
import { oneLine, type ViewedNode } from './tree.js';

export const showCommand: CliCommand = (program, cli) => {
  program
    .command('show')
    .description('print the active path of a conversation, with ‹j/n› where a message has siblings')
    .argument('<conversation>', 'short name (branch_demo) or path under data/conversations/')
    .option('--full', 'print whole messages instead of their first line')
    .action(async (conversation: string, options: { full?: boolean }) => showActivePath(cli, conversation, options.full ?? false));
};

export async function showActivePath(cli: CliContext, conversation: string, full: boolean): Promise<void> {
  const engine = await cli.engine();
  const { file, doc } = await engine.api.call<{ file: string; doc: { name?: string; nodes: Record<string, ViewedNode> } }>(
    'modules/chat_branches/get',
    { conversation_file: conversation },
  );
  const table = await engine.api.call<{ levels: { depth: number; node_id: string; j: number | null; n: number }[] }>(
    'modules/chat_branches/branch_table',
    { conversation_file: file },
  );
  if (cli.json) {
    return cli.printJson({
      file,
      name: doc.name ?? null,
      path: table.levels.map((level) => ({ ...level, ...doc.nodes[level.node_id] })),
    });
  }
  cli.print(`${doc.name ?? file}  (${file})\n`);
  for (const level of table.levels) {
    const node = doc.nodes[level.node_id];
    if (!node) continue;
    const branch = level.n > 1 ? ` ‹${level.j ?? '?'}/${level.n}›` : '';
    const partial = node.meta?.partial ? ' (partial)' : '';
    cli.print(`${String(level.depth).padStart(3)} ${node.role.padEnd(9)} ${level.node_id}${branch}${partial}`);
    cli.print(full ? indent(node.content) : `    ${oneLine(node.content, 100)}`);
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}
