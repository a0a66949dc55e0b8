/**
 * @module The command line: `branchflow serve | complete | show | send`, for people who live in a terminal.
 * Commands run the engine in-process on the same files a server may be serving (the file locks hold across
 * processes).
 */
import { parseArgs } from 'node:util';
import { createEngine, type Engine } from './engine.js';
import type { GenerationEvent } from './generation/generation-events.js';
import { createLogger, parseLogLevel } from './lib/logger.js';
import { isCallError } from './lib/call-error.js';
import { serve } from './serve.js';

const usage = `branchflow: branching conversations as files, replies from any LLM

Usage:
  branchflow serve                                   start the HTTP server (same as npm start)
  branchflow show <conversation>                     print the active path and the branch table
  branchflow complete <conversation> [--config <file>] [--parent <node>] [--no-stream]
                                                     generate a reply and save it
  branchflow send <conversation> <message> [--config <file>]
                                                     append a user message, then stream the reply

<conversation> is a folder name under data/conversations/ (branch_demo) or a root-relative path
(data/conversations/branch_demo/conversation.json). Environment: BRANCHFLOW_ROOT, LOG_LEVEL.`;

export async function runCli(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      parent: { type: 'string' },
      'no-stream': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || command === undefined) {
    process.stdout.write(usage + '\n');
    return command === undefined && !values.help ? 2 : 0;
  }
  if (command === 'serve') {
    return await serve();
  }
  const logger = createLogger({ level: parseLogLevel(process.env['LOG_LEVEL'] ?? 'warn') });
  const engine = await createEngine({ logger });
  try {
    const file = conversationFile(rest[0]);
    const config = values.config === undefined ? {} : { llm_config_file: values.config };
    switch (command) {
      case 'show':
        return await show(engine, file);
      case 'complete':
        if (values['no-stream']) return await completeOnce(engine, file, config, values.parent);
        return await printStream(engine, 'workflow/chat_completion/complete_stream', {
          conversation_file: file,
          include_doc: false,
          ...config,
          ...(values.parent === undefined ? {} : { parent_node_id: values.parent }),
        });
      case 'send':
        if (rest[1] === undefined) throw new UsageError('send needs a message: branchflow send <conversation> "<message>"');
        return await printStream(engine, 'workflow/chat_completion/send', { conversation_file: file, content: rest[1], ...config });
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${usage}\n`);
      return 2;
    }
    if (isCallError(error)) {
      process.stderr.write(`error ${error.code}: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await engine.close();
  }
}

class UsageError extends Error {}

function conversationFile(argument: string | undefined): string {
  if (argument === undefined) throw new UsageError('missing <conversation>');
  if (argument.includes('/')) return argument;
  return `data/conversations/${argument}/conversation.json`;
}

async function show(engine: Engine, file: string): Promise<number> {
  const { doc } = await engine.api.call<{
    doc: { name?: string; nodes: Record<string, { role: string; content: string; meta?: { partial?: boolean } }> };
  }>('modules/chat_branches/get', { file });
  const table = await engine.api.call<{ levels: { depth: number; node_id: string; j: number | null; n: number }[] }>(
    'modules/chat_branches/branch_table',
    { file },
  );
  process.stdout.write(`${doc.name ?? file}\n\n`);
  for (const level of table.levels) {
    const node = doc.nodes[level.node_id];
    if (!node) continue;
    const branch = level.n > 1 ? ` ‹${level.j ?? '?'}/${level.n}›` : '';
    const partial = node.meta?.partial ? ' (partial)' : '';
    const text = node.content.replace(/\s+/g, ' ').slice(0, 100);
    process.stdout.write(`${String(level.depth).padStart(3)} ${node.role.padEnd(9)} ${level.node_id}${branch}${partial}\n    ${text}\n`);
  }
  return 0;
}

async function completeOnce(engine: Engine, file: string, config: object, parent: string | undefined): Promise<number> {
  const result = await engine.api.call<{ content: string; node_id: string; usage: unknown }>('workflow/chat_completion/complete', {
    conversation_file: file,
    include_doc: false,
    ...config,
    ...(parent === undefined ? {} : { parent_node_id: parent }),
  });
  process.stdout.write(`${result.content}\n\nsaved as node ${result.node_id}; usage ${JSON.stringify(result.usage)}\n`);
  return 0;
}

async function printStream(engine: Engine, path: string, input: object): Promise<number> {
  let exitCode = 0;
  for await (const event of engine.api.stream<GenerationEvent>(path, input)) {
    if (event.type === 'chunk') process.stdout.write(event.content);
    // Reasoning goes to stderr: stdout stays the answer, so it can be piped.
    if (event.type === 'reasoning') process.stderr.write(event.content);
    if (event.type === 'saved')
      process.stdout.write(
        `\n\nsaved as node ${event.node_id}${event.partial ? ' (partial)' : ''}; usage ${JSON.stringify(event.usage)}\n`,
      );
    if (event.type === 'error') {
      process.stderr.write(`\nerror ${event.code}: ${event.message}\n`);
      exitCode = 1;
    }
  }
  return exitCode;
}
