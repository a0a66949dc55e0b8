/**
 * @module The real server in a child process (`node --import tsx src/main.ts`) on a temporary root: started
 * and waited for, stopped gently or killed with SIGKILL, its stdout and stderr kept for the checks (crashes,
 * logs scanned for keys). The environment is built from scratch, so no key of the machine leaks in.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface ServerProcess {
  /** `http://127.0.0.1:<port>` */
  url: string;
  pid: number;
  /** Everything the process wrote so far, stdout and stderr interleaved as they came. */
  output(): string;
  /** Whether the process is still running. */
  alive(): boolean;
  /** Settles when the process has exited, with its code or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL, no warning: what a crash or the OOM killer does. Resolves once it is gone. */
  kill(): Promise<void>;
  /** SIGTERM, the graceful shutdown; resolves with the exit code. */
  stop(): Promise<number | null>;
}

export interface ServerProcessOptions {
  root: string;
  /** Added to the minimal environment (PATH, HOME, TMPDIR) with BRANCHFLOW_ROOT, PORT=0 and HOST. */
  env?: Record<string, string>;
  /** How long start-up (recovery included) may take; 60 s by default, for a loaded 2-core machine. */
  timeoutMs?: number;
}

export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: process.env['HOME'] ?? '/tmp',
    TMPDIR: process.env['TMPDIR'] ?? '/tmp',
    BRANCHFLOW_ROOT: options.root,
    PORT: '0',
    HOST: '127.0.0.1',
    ...options.env,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: repositoryRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let running = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      running = false;
      resolve({ code, signal });
    }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => fail(`the server did not start within ${options.timeoutMs ?? 60_000} ms`), options.timeoutMs ?? 60_000);
    const fail = (why: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${why}; its output:\n${output}`));
    };
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      const ready = /branchflow is ready at (http:\/\/\S+)/.exec(output);
      if (ready && !settled) {
        settled = true;
        clearTimeout(timer);
        resolve(ready[1]!);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then(({ code, signal }) => fail(`the server exited (code ${code}, signal ${signal}) before it was ready`));
  });
  return {
    url,
    pid: child.pid!,
    output: () => output,
    alive: () => running,
    exited,
    async kill() {
      if (running) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (running) child.kill('SIGTERM');
      return (await exited).code;
    },
  };
}
