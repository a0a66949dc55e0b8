/**
 * @module What every CLI command is handed: the output streams, `--json`, and the engine, built only when a
 * command first asks for it (loading the engine and its provider SDKs is most of a start; `--version`, `--help`
 * and `init` never pay for it).
 */
import type { Engine } from '../engine.js';
import { isCallError } from '../lib/call-error.js';

export interface CliOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface CliIo {
  stdout: CliOutput;
  stderr: CliOutput;
  /** The environment the engine reads (BRANCHFLOW_ROOT, LOG_LEVEL, keys); `.env` fills it in. */
  env: NodeJS.ProcessEnv;
  /** Read when a command takes `-` (standard input) as its text. */
  stdin?: NodeJS.ReadableStream;
}

/** A mistake in how the command was typed: one line and a hint, exit code 2. */
export class UsageError extends Error {}

export interface CliContext {
  io: CliIo;
  /** `--json`: machine-readable output on stdout, no decoration, no progress line. */
  json: boolean;
  /** The engine for this run, created on first use (`watch` for commands that follow hand edits). */
  engine(options?: { watch?: boolean }): Promise<Engine>;
  /** Writes a line (a newline is added) to stdout. */
  print(text: string): void;
  /** Writes a value as JSON: indented on a terminal, one line when piped. */
  printJson(value: unknown): void;
  /** Shows a spinner with `label` on stderr while `work` runs, when stderr is a terminal and output is not JSON. */
  withProgress<Value>(label: string, work: Promise<Value>): Promise<Value>;
  /** The exit code the run ends with (a command sets 1 when what it ran reported an error). */
  exitCode: number;
}

export function createCliContext(io: CliIo): CliContext & { close(): Promise<void> } {
  let engine: Promise<Engine> | undefined;
  const context = {
    io,
    json: false,
    exitCode: 0,
    engine(options: { watch?: boolean } = {}): Promise<Engine> {
      engine ??= (async () => {
        const [{ createEngine }, { createLogger, parseLogLevel }] = await Promise.all([import('../engine.js'), import('../lib/logger.js')]);
        const logger = createLogger({ level: parseLogLevel(io.env['LOG_LEVEL']?.trim() || 'warn') });
        return createEngine({ logger, env: io.env, watch: options.watch ?? false });
      })();
      return engine;
    },
    print(text: string): void {
      io.stdout.write(`${text}\n`);
    },
    printJson(value: unknown): void {
      io.stdout.write(`${JSON.stringify(value, null, io.stdout.isTTY ? 2 : undefined)}\n`);
    },
    async withProgress<Value>(label: string, work: Promise<Value>): Promise<Value> {
      if (context.json || !io.stderr.isTTY) return work;
      const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
      let frame = 0;
      const timer = setInterval(() => io.stderr.write(`\r${frames[frame++ % frames.length]} ${label}`), 100);
      try {
        return await work;
      } finally {
        clearInterval(timer);
        io.stderr.write('\r\x1b[K');
      }
    },
    async close(): Promise<void> {
      if (engine) await (await engine.catch(() => undefined))?.close();
    },
  };
  return context;
}

/** The one line a failed command prints: the error code and message, never a stack. */
export function errorLine(error: unknown): string {
  if (isCallError(error)) return `error ${error.code}: ${error.message}`;
  return `error: ${error instanceof Error ? error.message : String(error)}`;
}
