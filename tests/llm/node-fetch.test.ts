import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { nodeFetch } from '../../src/llm/node-fetch.js';

type Handler = (request: IncomingMessage, response: ServerResponse, body: string) => void;

const test = suite('nodeFetch: what the provider SDKs are given instead of the built-in fetch');
let server: Server;
let origin: string;
let handle: Handler = (_request, response) => response.end();

test.before(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => handle(request, response, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

test.after(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.unreachable('expected a rejection');
  return undefined;
}

test('sends the method, headers and body, and answers status, headers and body as the built-in fetch does', async () => {
  handle = (request, response, body) => {
    response.writeHead(201, 'Made', { 'content-type': 'application/json', 'x-echo': request.headers['x-test'] ?? '' });
    response.end(JSON.stringify({ method: request.method, url: request.url, body, length: request.headers['content-length'] }));
  };
  const init = { method: 'post', headers: new Headers({ 'x-test': 'yes', 'content-type': 'application/json' }), body: '{"é":1}' };
  const ours = await nodeFetch(`${origin}/v1/chat?x=1`, init);
  const builtIn = await fetch(`${origin}/v1/chat?x=1`, init);
  const shape = async (response: Response) => ({
    status: response.status,
    statusText: response.statusText,
    type: response.headers.get('content-type'),
    echo: response.headers.get('x-echo'),
    body: await response.json(),
  });
  const expected = { status: 201, statusText: 'Made', type: 'application/json', echo: 'yes', body: { method: 'POST', url: '/v1/chat?x=1', body: '{"é":1}', length: '8' } };
  assert.equal(await shape(ours), expected);
  assert.equal(await shape(builtIn), expected);
});

test('streams the body as it comes: the first chunk is readable before the last is sent', async () => {
  let finish: () => void = () => undefined;
  handle = (_request, response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write('data: one\n\n');
    finish = () => response.end('data: two\n\n');
  };
  const response = await nodeFetch(`${origin}/stream`, { method: 'POST', body: '{}' });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  assert.is(decoder.decode((await reader.read()).value), 'data: one\n\n');
  finish();
  assert.is(decoder.decode((await reader.read()).value), 'data: two\n\n');
  assert.is((await reader.read()).done, true);
});

test('a gzip-compressed body is decoded', async () => {
  handle = (_request, response) => {
    response.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'application/json' });
    response.end(gzipSync('{"ok":true}'));
  };
  assert.equal(await (await nodeFetch(`${origin}/gzip`)).json(), { ok: true });
});

test('a body that is not the gzip it says errors the body with TypeError "terminated", and nothing else breaks', async () => {
  handle = (_request, response) => {
    response.writeHead(200, { 'content-encoding': 'gzip' });
    response.end('this is not gzip at all');
  };
  const response = await nodeFetch(`${origin}/bad-gzip`);
  const error = (await rejection(response.text())) as TypeError;
  assert.equal([error.constructor, error.message, (error.cause as NodeJS.ErrnoException).code], [TypeError, 'terminated', 'Z_DATA_ERROR']);
  handle = (_request, reply) => reply.end('still fine');
  assert.is(await (await nodeFetch(`${origin}/after`)).text(), 'still fine');
});

test('204 has a null body', async () => {
  handle = (_request, response) => {
    response.writeHead(204);
    response.end();
  };
  const response = await nodeFetch(`${origin}/empty`, { method: 'DELETE' });
  assert.equal([response.status, response.body], [204, null]);
});

test('a redirect is followed, by the built-in fetch', async () => {
  handle = (request, response) => {
    if (request.url === '/old') {
      response.writeHead(307, { location: '/new' });
      response.end();
    } else response.end(`at ${request.url}`);
  };
  const response = await nodeFetch(`${origin}/old`, { method: 'POST', body: 'x' });
  assert.equal([response.status, await response.text()], [200, 'at /new']);
});

test('no server: TypeError "fetch failed" with the socket error as its cause, like the built-in fetch', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const ours = (await rejection(nodeFetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: 'x' }))) as TypeError;
  const builtIn = (await rejection(fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: 'x' }))) as TypeError;
  const shape = (error: TypeError) => [error.constructor, error.message, (error.cause as NodeJS.ErrnoException).code];
  assert.equal(shape(ours), [TypeError, 'fetch failed', 'ECONNREFUSED']);
  assert.equal(shape(ours), shape(builtIn));
});

test('a connection cut mid-body errors the body with TypeError "terminated", caused by a reset', async () => {
  handle = (_request, response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write('data: partial\n\n', () => setTimeout(() => response.socket?.destroy(), 20));
  };
  const response = await nodeFetch(`${origin}/drop`, { method: 'POST', body: '{}' });
  const reader = response.body!.getReader();
  assert.is(new TextDecoder().decode((await reader.read()).value), 'data: partial\n\n');
  const error = (await rejection(reader.read())) as TypeError;
  assert.equal([error.constructor, error.message, (error.cause as NodeJS.ErrnoException).code], [TypeError, 'terminated', 'ECONNRESET']);
});

test('an abort before the answer rejects with the signal reason and closes the request', async () => {
  let closedByClient: Promise<void> = Promise.resolve();
  handle = (request) => {
    closedByClient = new Promise((resolve) => request.socket.once('close', () => resolve()));
  };
  const controller = new AbortController();
  const pending = nodeFetch(`${origin}/hang`, { method: 'POST', body: '{}', signal: controller.signal });
  await new Promise((resolve) => setTimeout(resolve, 50));
  const reason = new Error('stop');
  controller.abort(reason);
  assert.is(await rejection(pending), reason);
  await closedByClient;
});

test('an abort mid-body errors the body with the signal reason and closes the connection', async () => {
  let closedByClient: Promise<void> = Promise.resolve();
  handle = (request, response) => {
    closedByClient = new Promise((resolve) => request.socket.once('close', () => resolve()));
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write('data: first\n\n');
  };
  const controller = new AbortController();
  const response = await nodeFetch(`${origin}/slow`, { method: 'POST', body: '{}', signal: controller.signal });
  const reader = response.body!.getReader();
  await reader.read();
  const reason = new Error('stop');
  controller.abort(reason);
  assert.is(await rejection(reader.read()), reason);
  await closedByClient;
});

test('an already aborted signal rejects at once, sending nothing', async () => {
  let requests = 0;
  handle = (_request, response) => {
    requests++;
    response.end();
  };
  const reason = new Error('already');
  assert.is(await rejection(nodeFetch(`${origin}/never`, { signal: AbortSignal.abort(reason) })), reason);
  assert.is(requests, 0);
});

test('keeps the connection: two requests in a row use one socket', async () => {
  const ports = new Set<number>();
  handle = (request, response) => {
    ports.add(request.socket.remotePort!);
    response.end('ok');
  };
  await (await nodeFetch(`${origin}/a`, { method: 'POST', body: '1' })).text();
  await (await nodeFetch(`${origin}/b`, { method: 'POST', body: '2' })).text();
  assert.is(ports.size, 1);
});

test.run();
