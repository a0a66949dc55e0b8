/**
 * @module Starting the benchmark's processes: each under `taskset` on its own CPU when the machine has two or
 * more and taskset exists (engine and relay on CPU 0; fake provider and load generator on CPU 1), with an IPC
 * channel for its ProcessStats, and stopping them with SIGTERM (a clean exit also writes a `--cpu-prof`).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import type { ControlReply, ControlType, ReadyMessage } from './ipc.js';
import type { ProcessStats } from './process-monitor.js';

export interface Pinning {
  pinned: boolean;
  engineCpu?: number;
  clientCpu?: number;
  description: string;
}

export function choosePinning(): Pinning {
  let hasTaskset = false;
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    hasTaskset = true;
  } catch {
    hasTaskset = false;
  }
  if (!hasTaskset || cpus().length < 2) {
    return { pinned: false, description: 'not pinned (taskset missing or fewer than 2 CPUs): all processes share the CPUs' };
  }
  return {
    pinned: true,
    engineCpu: 0,
    clientCpu: 1,
    description: 'taskset: engine (and the bare relay) on CPU 0; fake provider and load generator on CPU 1',
  };
}

/** Moves this process (every thread of it) to `cpu`. */
export function pinSelf(cpu: number): void {
  execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(process.pid)], { stdio: 'ignore' });
}

export interface StartOptions {
  name: string;
  /** Arguments after `node` (e.g. `--import tsx bench/fake-provider.ts`). */
  nodeArgs: string[];
  cpu: number | undefined;
  env?: Record<string, string>;
  cwd: string;
  /** How the child says where it listens: over IPC (`ready` with a port) or a `ready at <url>` line on stdout. */
  readyFrom: 'ipc' | 'stdout';
  timeoutMs?: number;
}

export class BenchProcess {
  readonly name: string;
  readonly child: ChildProcess;
  url = '';
  readonly #pending = new Map<number, (stats: ProcessStats) => void>();
  #nextId = 1;
  readonly #stderr: string[] = [];
  readonly exited: Promise<number | null>;

  constructor(name: string, child: ChildProcess) {
    this.name = name;
    this.child = child;
    child.on('message', (message: ControlReply | ReadyMessage) => {
      if (message.type !== 'stats') return;
      this.#pending.get(message.id)?.(message.stats);
      this.#pending.delete(message.id);
    });
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      this.#stderr.push(text);
      if (this.#stderr.length > 40) this.#stderr.shift();
    });
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** The last lines the process wrote to stderr: its warnings and errors. */
  get stderrTail(): string {
    return this.#stderr.join('');
  }

  reset(): Promise<ProcessStats> {
    return this.#control('reset');
  }

  read(): Promise<ProcessStats> {
    return this.#control('read');
  }

  /** Stats after a full garbage collection in the child: its live memory. */
  collect(): Promise<ProcessStats> {
    return this.#control('collect');
  }

  /** The fake provider: finish every stream held open by a hold profile. */
  release(): Promise<ProcessStats> {
    return this.#control('release');
  }

  #control(type: ControlType): Promise<ProcessStats> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, resolve);
      const sent = this.child.send({ id, type }, (error) => error && reject(error));
      if (!sent) reject(new Error(`${this.name}: the control channel is closed`));
    });
  }

  async stop(timeoutMs = 20_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }
}

export async function startProcess(options: StartOptions): Promise<BenchProcess> {
  const node = [process.execPath, ...options.nodeArgs];
  const [command, ...args] = options.cpu === undefined ? node : ['taskset', '-c', String(options.cpu), ...node];
  const child = spawn(command!, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const handle = new BenchProcess(options.name, child);
  let ready = false;
  handle.url = await new Promise<string>((resolve, reject) => {
    const limitMs = options.timeoutMs ?? 30_000;
    const succeed = (url: string): void => {
      if (ready) return;
      ready = true;
      clearTimeout(timer);
      resolve(url);
    };
    const fail = (error: Error): void => {
      if (ready) return;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${error.message}\n${handle.stderrTail}`));
    };
    const timer = setTimeout(() => fail(new Error(`${options.name} did not start within ${limitMs} ms`)), limitMs);
    child.once('exit', (code) => fail(new Error(`${options.name} exited with ${code} before it was ready`)));
    if (options.readyFrom === 'ipc') {
      child.on('message', (message: ReadyMessage | ControlReply) => {
        if (message.type === 'ready') succeed(`http://127.0.0.1:${message.port}`);
      });
    }
    let text = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      // Only the start-up banner matters; later output is drained and dropped so the pipe never fills.
      if (ready || options.readyFrom !== 'stdout') return;
      text += chunk;
      const match = /ready at (http:\/\/\S+)/.exec(text);
      if (match) succeed(match[1]!);
    });
  });
  return handle;
}
