/**
 * @module Bench-only preload that times one request's critical path inside the engine, for requests sent one at a
 * time (`bench/critical-path.ts`): from the HTTP request arriving to the first `chunk` frame written (and, for a
 * JSON answer, to the response's end), every `node:fs` promise call on the main thread with its duration, the
 * upstream request's life as undici reports it (created, connected, headers sent, response headers, body done),
 * and any `globalThis.__branchflowTrace(label)` marks. Written as JSON lines to TRACE_FILE at exit.
 * The product carries no trace code; without TRACE_FILE this module does nothing.
 */
import { subscribe } from 'node:diagnostics_channel';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { ServerResponse } from 'node:http';

interface Mark {
  label: string;
  at: number;
  ms?: number;
}

const callbackNames = [
  'stat',
  'lstat',
  'fstat',
  'mkdir',
  'rmdir',
  'rm',
  'open',
  'close',
  'write',
  'writeFile',
  'readFile',
  'read',
  'fsync',
  'fdatasync',
  'rename',
  'unlink',
  'realpath',
  'readdir',
  'utimes',
  'futimes',
  'chmod',
  'chown',
  'ftruncate',
  'access',
  'exists',
];

const traceFile = process.env['TRACE_FILE'];
if (traceFile !== undefined) install(traceFile);

function install(file: string): void {
  const traces: Mark[][] = [];
  let current: Mark[] | undefined;
  let origin = 0;
  const mark = (label: string, ms?: number, at = performance.now()): void => {
    current?.push({ label, at: at - origin, ...(ms === undefined ? {} : { ms }) });
  };
  (globalThis as { __branchflowTrace?: (label: string) => void }).__branchflowTrace = (label) => mark(label);

  subscribe('http.server.request.start', (message) => {
    const { request } = message as { request: { url?: string } };
    if (!request.url?.startsWith('/api/workflow/chat_completion/complete')) return;
    origin = performance.now();
    current = [];
    traces.push(current);
    mark('http request arrived');
  });
  let firstChunkWritten = false;
  subscribe('http.server.request.start', () => void (firstChunkWritten = false));
  const write = Reflect.get(ServerResponse.prototype, 'write') as (this: ServerResponse, ...args: unknown[]) => boolean;
  ServerResponse.prototype.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    const text =
      typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) || chunk instanceof Uint8Array ? Buffer.from(chunk).toString() : '';
    if (text.includes('"type":"start"')) mark('SSE start frame written');
    if (!firstChunkWritten && text.includes('"type":"chunk"')) {
      firstChunkWritten = true;
      mark('SSE first chunk frame written');
    }
    if (text.includes('"type":"saved"')) mark('SSE saved frame written');
    const accepted = write.call(this, chunk, ...rest);
    if (!accepted) {
      mark('response write returned false (waits for drain)');
      this.once('drain', () => mark('response drained'));
    }
    return accepted;
  } as typeof ServerResponse.prototype.write;
  const end = Reflect.get(ServerResponse.prototype, 'end') as (this: ServerResponse, ...args: unknown[]) => ServerResponse;
  ServerResponse.prototype.end = function (this: ServerResponse, ...args: unknown[]) {
    mark('response end');
    return end.apply(this, args);
  } as typeof ServerResponse.prototype.end;

  for (const name of ['undici:request:create', 'undici:client:beforeConnect', 'undici:client:connected', 'undici:client:sendHeaders']) {
    subscribe(name, () => mark(name.replace('undici:', 'upstream ')));
  }
  subscribe('undici:request:headers', () => mark('upstream response headers'));
  subscribe('undici:request:trailers', () => mark('upstream body done'));

  // Every fs promise call (and FileHandle call) on the main thread: what it was and how long it took.
  const promises = fs.promises as unknown as Record<string, unknown>;
  for (const [name, value] of Object.entries(promises)) {
    if (typeof value !== 'function' || name === 'constants') continue;
    promises[name] = timed(`fs.${name}`, value as (...args: unknown[]) => unknown);
  }
  // The callback API too (proper-lockfile goes through graceful-fs, which copies these when it loads, after this
  // preload), and the synchronous calls, which block the loop for their whole duration.
  const callbacks = fs as unknown as Record<string, unknown>;
  for (const name of callbackNames) {
    const original = callbacks[name];
    if (typeof original !== 'function') continue;
    callbacks[name] = function (this: unknown, ...args: unknown[]): unknown {
      const started = performance.now();
      const trace = current;
      const target = typeof args[0] === 'string' ? ` ${shortPath(args[0])}` : '';
      const last = args.length - 1;
      const callback = args[last];
      if (typeof callback === 'function') {
        args[last] = function (this: unknown, ...results: unknown[]): unknown {
          if (trace === current) mark(`fs.${name}${target}${results[0] ? ' (failed)' : ''}`, performance.now() - started, started);
          return (callback as (...values: unknown[]) => unknown).apply(this, results);
        };
      }
      return (original as (...values: unknown[]) => unknown).apply(this, args);
    };
    const sync = `${name}Sync`;
    const originalSync = callbacks[sync];
    if (typeof originalSync !== 'function') continue;
    callbacks[sync] = function (this: unknown, ...args: unknown[]): unknown {
      const started = performance.now();
      const target = typeof args[0] === 'string' ? ` ${shortPath(args[0])}` : '';
      try {
        return (originalSync as (...values: unknown[]) => unknown).apply(this, args);
      } finally {
        mark(`fs.${sync}${target}`, performance.now() - started, started);
      }
    };
  }
  syncBuiltinESMExports();
  void fs.promises.open(process.execPath, 'r').then(async (handle) => {
    const prototype = Object.getPrototypeOf(handle) as Record<string, unknown>;
    for (const name of ['read', 'write', 'writeFile', 'readFile', 'sync', 'datasync', 'close', 'stat', 'truncate', 'chmod', 'chown']) {
      const original = prototype[name];
      if (typeof original === 'function') prototype[name] = timed(`handle.${name}`, original as (...args: unknown[]) => unknown);
    }
    await handle.close();
  });

  function timed(label: string, original: (...args: unknown[]) => unknown) {
    return function (this: unknown, ...args: unknown[]): unknown {
      const started = performance.now();
      const target = typeof args[0] === 'string' ? ` ${shortPath(args[0])}` : '';
      const result = original.apply(this, args);
      if (result instanceof Promise) {
        const trace = current;
        void result.then(
          () => trace === current && mark(`${label}${target}`, performance.now() - started, started),
          () => trace === current && mark(`${label}${target} (failed)`, performance.now() - started, started),
        );
      }
      return result;
    };
  }

  process.on('exit', () => {
    fs.writeFileSync(file, traces.map((trace) => JSON.stringify(trace)).join('\n') + '\n');
  });
}

function shortPath(path: string): string {
  // One label per kind of file, whatever conversation it belongs to, so requests line up step by step.
  return path
    .split('/')
    .slice(-2)
    .join('/')
    .replace(/^[^/]*-\d+(?=\/)/, '<conversation>')
    .replace(/gen_[\w-]+/, '<generation>')
    .replace(/\.tmp[\w.-]*$/, '.<temp>')
    .replace(/[0-9a-f]{8,}/, '<id>');
}
