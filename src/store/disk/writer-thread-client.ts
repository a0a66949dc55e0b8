/**
 * @module The main thread's handle on the writer thread: started on first use, requests matched to replies by
 * id, kept referenced only while a request is pending (an idle writer must not keep a CLI alive), and
 * restarted after a crash (its mirrors are then rebuilt from the files).
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { WriterRequest } from './writer-thread.js';

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export class WriterThreadClient {
  #worker: Worker | undefined;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;

  request<Reply>(request: WriterRequest): Promise<Reply> {
    const worker = this.#worker ?? this.#start();
    const id = this.#nextId++;
    if (this.#pending.size === 0) worker.ref();
    return new Promise<Reply>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve, reject });
      worker.postMessage({ id, request });
    });
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    await worker?.terminate();
  }

  #start(): Worker {
    const worker = createWorker();
    worker.on('message', (message: { id: number; result?: unknown; error?: { message: string; code?: string } }) => {
      const pending = this.#pending.get(message.id);
      if (!pending) return;
      this.#pending.delete(message.id);
      if (this.#pending.size === 0) worker.unref();
      if (message.error) pending.reject(Object.assign(new Error(message.error.message), { code: message.error.code }));
      else pending.resolve(message.result);
    });
    const fail = (error: Error): void => {
      if (this.#worker === worker) this.#worker = undefined;
      for (const pending of this.#pending.values()) pending.reject(error);
      this.#pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the writer thread stopped (exit code ${code})`)));
    worker.unref();
    this.#worker = worker;
    return worker;
  }
}

/**
 * Under tsx this module is TypeScript, and Node 20 workers do not inherit tsx's loader hooks: the worker
 * registers tsx itself before importing its entry. Compiled to JavaScript, the entry is loaded directly.
 */
function createWorker(): Worker {
  const typescript = fileURLToPath(import.meta.url).endsWith('.ts');
  const entry = new URL(`./writer-thread.${typescript ? 'ts' : 'js'}`, import.meta.url);
  // A save hands the descriptor of the version it moved aside to the main thread, which closes it later. Node
  // would otherwise count it as the thread's own: warn when the number comes back, and close it (by then maybe
  // one of the main thread's files) when the thread stops.
  const options = { trackUnmanagedFds: false };
  if (!typescript) return new Worker(entry, options);
  const tsx = import.meta.resolve('tsx/esm/api');
  const source = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(source, { ...options, eval: true });
}
