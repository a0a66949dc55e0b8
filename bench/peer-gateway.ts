/**
 * @module A real LLM gateway as the benchmark's peer: Portkey's open-source gateway (`@portkey-ai/gateway`, a Hono
 * app on @hono/node-server), run as its own process and pinned like the engine. Its published entry point
 * (`build/start-server.js --port=N --headless`) is imported as it is, after the bench's IPC probe, so it reports
 * CPU, event-loop delay and memory like the engine. Requests name the upstream per request
 * (`x-portkey-provider: openai`, `x-portkey-custom-host: <fake>/p/<profile>/v1`): no config file.
 *
 * Its streamed path needs @hono/node-server 2 (package.json `overrides`): Portkey wraps the upstream fetch
 * response in `new Response(stream, upstreamResponse)` and then appends its `x-portkey-*` headers; 1.x's
 * lightweight Response keeps the upstream's immutable Headers by reference, so that append throws
 * `TypeError: immutable` and every stream answers 500. 2.x copies them (honojs/node-server#382).
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { announceReady, serveControl } from './ipc.js';

/** The gateway takes a port, not 0: ask the system for a free one first (only this process listens on it next). */
const port = await new Promise<number>((resolve, reject) => {
  const probe = createServer();
  probe.once('error', reject);
  probe.listen(0, '127.0.0.1', () => {
    const { port: free } = probe.address() as AddressInfo;
    probe.close(() => resolve(free));
  });
});

serveControl();
process.argv.push(`--port=${port}`, '--headless');
// Resolves once the server listens (its start-up awaits a one-second banner after `serve`).
const entry = '@portkey-ai/gateway/build/start-server.js';
await import(entry);
announceReady({ type: 'ready', port });
