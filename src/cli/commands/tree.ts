/** @module `branchflow tree`: every node of a conversation, indented under its parent, the active path marked. */
import type { ConversationDoc } from '../../store/index.js';
import type { CliCommand } from '../command.js';

export interface ViewedNode {
  pid: string | null;
  role: string;
  content: string;
  meta?: { partial?: boolean };
}

export const treeCommand: CliCommand = (program, cli) => {
  program
    .command('tree')
    .description('print the whole tree: "*" marks the active path, ‹j/n› a message among its siblings')
    .argument('<conversation>', 'short name (branch_demo) or path under data/conversations/')
    .action(async (conversation: string) => {
      const engine = await cli.engine();
      const { file, doc } = await engine.api.call<{ file: string; doc: ConversationDoc }>('modules/chat_branches/get', {
        conversation_file: conversation,
      });
      if (cli.json) return cli.printJson({ file, doc });
      // Loaded here, not at the top: the store is not needed by `--version` or `--help`.
      const { siblingsOf } = await import('../../store/index.js');
      cli.print(`${doc.name ?? file}  (${file})`);
      for (const line of treeLines(doc, (parent) => siblingsOf(doc, parent))) cli.print(line);
    });
};

/** One line per node, depth first in sibling order (the store's order: `children` first, then the rest). */
export function treeLines(doc: ConversationDoc, childrenOf: (parent: string | null) => string[]): string[] {
  const active = new Set(doc.active_path);
  const lines: string[] = [];
  const walk = (ids: string[], depth: number): void => {
    ids.forEach((id, index) => {
      const node = doc.nodes[id] as ViewedNode | undefined;
      if (!node) return;
      const marker = active.has(id) ? '*' : ' ';
      const branch = ids.length > 1 ? ` ‹${index + 1}/${ids.length}›` : '';
      const partial = node.meta?.partial ? ' (partial)' : '';
      lines.push(`${'  '.repeat(depth)}${marker} ${id} ${node.role}${branch}${partial}: ${oneLine(node.content, 80)}`);
      walk(childrenOf(id), depth + 1);
    });
  };
  walk(childrenOf(null), 0);
  return lines;
}

export function oneLine(text: string, length: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > length ? `${flat.slice(0, length - 1)}…` : flat;
}
