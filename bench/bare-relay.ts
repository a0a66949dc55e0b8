/**
 * @module The floor for scenario 2: a bare `node:http` relay, run as its own process and pinned like the engine.
 * It forwards a request to the fake provider (same path, keep-alive agent) and pipes the answer back byte for
 * byte: no parsing, no validation, no persistence. Whatever an LLM gateway does costs at least this much.
 * Upstream origin from UPSTREAM_ORIGIN.
 */
import { Agent, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { announceReady, serveControl } from './ipc.js';

const upstream = new URL(process.env['UPSTREAM_ORIGIN'] ?? 'http://127.0.0.1:1');
const agent = new Agent({ keepAlive: true, maxSockets: Infinity });

const server = createServer((request, response) => {
  const forwarded = httpRequest(
    {
      host: upstream.hostname,
      port: upstream.port,
      method: request.method,
      path: request.url,
      headers: { 'content-type': request.headers['content-type'] ?? 'application/json' },
      agent,
    },
    (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    },
  );
  forwarded.on('error', () => response.destroy());
  // The client left mid-stream: stop the upstream too (after a finished reply the socket goes back to the pool).
  response.on('close', () => {
    if (!response.writableFinished) forwarded.destroy();
  });
  request.pipe(forwarded);
});
server.keepAliveTimeout = 120_000;
server.requestTimeout = 0;

serveControl();
server.listen(0, '127.0.0.1', () => announceReady({ type: 'ready', port: (server.address() as AddressInfo).port }));
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
