/**
 * @module Printing a generation's events: the reply's text as it streams and a one-line summary (never the tree),
 * or with `--json` every event as one JSON line. An `error` event sets exit code 1.
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
