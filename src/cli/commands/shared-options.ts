/** @module Small pieces several commands share: the config option, text from an argument or standard input. */
import type { CliContext } from '../context.js';

export function configInput(config: string | undefined): { llm_config_file?: string } {
  return config === undefined ? {} : { llm_config_file: config };
}

/** The argument itself, or standard input when it is `-`. */
export async function readText(cli: CliContext, argument: string): Promise<string> {
  if (argument !== '-') return argument;
  const stdin = cli.io.stdin ?? process.stdin;
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.from(chunk as string | Buffer));
  return Buffer.concat(chunks).toString('utf8').replace(/\n$/, '');
}
