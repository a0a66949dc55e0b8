/**
 * @module Printing a generation's events: the reply's text as it streams, tool calls and results as lines on stderr,
 * and a one-line summary (never the tree), or with `--json` every event as one JSON line. An `error` event sets exit code 1.
 */
import type { GenerationEvent } from '../generation/generation-events.js';
import type { CliContext } from './context.js';

export async function printGeneration(cli: CliContext, path: string, input: object): Promise<void> {
  const engine = await cli.engine();
  const events = engine.api.stream<GenerationEvent>(path, input)[Symbol.asyncIterator]();
  // The spinner runs until the first event: the time the provider takes to answer.
  let next = await cli.withProgress('waiting for the reply', events.next());
  let wroteText = false;
  while (!next.done) {
    const event = next.value;
    if (cli.json) cli.printJson(event);
    else if (event.type === 'chunk') {
      cli.io.stdout.write(event.content);
      wroteText ||= event.content !== '';
    } else if (event.type === 'reasoning') {
      // Reasoning goes to stderr, so stdout stays the answer (a script can pipe it).
      cli.io.stderr.write(event.content);
    } else if (event.type === 'tool_call' || event.type === 'tool_result' || event.type === 'tool_approval') {
      // Tool lines go to stderr beside the reasoning: stdout stays the text.
      cli.io.stderr.write(`${wroteText ? '\n' : ''}${toolLine(event)}\n`);
      wroteText = false;
    } else if (event.type === 'saved') {
      const partial = event.partial ? ' (partial)' : '';
      const tokens = event.usage ? `; ${event.usage.prompt_tokens} + ${event.usage.completion_tokens} tokens` : '';
      cli.io.stdout.write(`${wroteText ? '\n\n' : ''}saved as node ${event.node_id}${partial}${tokens}\n`);
    }
    if (event.type === 'error') {
      if (!cli.json) cli.io.stderr.write(`\nerror ${event.code}: ${event.message}\n`);
      cli.exitCode = 1;
    }
    next = await events.next();
  }
}

/** Results and arguments longer than this are cut in the terminal (the node keeps them whole). */
const shownCharacters = 200;

function toolLine(event: Extract<GenerationEvent, { type: 'tool_call' | 'tool_result' | 'tool_approval' }>): string {
  if (event.type === 'tool_call') return `→ ${event.tool_name} ${shown(event.arguments)}`;
  if (event.type === 'tool_result') return `← ${event.status} in ${event.duration_ms} ms: ${shown(event.result)}`;
  return (
    `? ${event.tool_name} waits for approval until ${event.expires_at}: ` +
    `branchflow call workflow/chat_completion/approve '{"generation_id":"${event.generation_id}","tool_call_id":"${event.tool_call_id}","approve":true}'`
  );
}

function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > shownCharacters ? `${text.slice(0, shownCharacters)}… (${text.length} characters)` : text;
}
