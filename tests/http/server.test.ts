import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defineStep } from '../../src/registry/define-step.js';
import { startServer } from '../../src/http/server.js';
import { frameData, readSse } from '../helpers/sse-client.js';
import { holdStep, recordingLogger, testApp, testRegistry, type HoldState } from './test-steps.js';

/** A stream that waits between its two events until `release` is called: a generation the shutdown hook ends. */
function gateStep(gate: { release?: () => void }) {
  return defineStep<object, { type: 'open' | 'done' }>({
    path: 'plugins/test/gate',
    summary: 'Yields open, waits to be released, yields done.',
    input: { type: 'object' },
    events: { type: 'object', properties: { type: { enum: ['open', 'done'] } }, required: ['type'] },
    async *stream() {
      const released = new Promise<void>((resolve) => (gate.release = resolve));
      yield { type: 'open' as const };
      await released;
      yield { type: 'done' as const };
    },
  });
}

const start = suite('startServer');

start('listens on 127.0.0.1 by default', async () => {
  const server = await startServer({ registry: testRegistry(), logger: recordingLogger().logger, port: 0 });
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(await (await fetch(`${server.url}/health`)).json(), { status: 'ok' });
  } finally {
    await server.close();
  }
});

for (const host of ['0.0.0.0', '::', '192.168.1.20']) {
  start(`refuses to listen on ${host} without a token, saying why and what to set`, async () => {
    try {
      await startServer({ registry: testRegistry(), logger: recordingLogger().logger, host, port: 0 });
      assert.unreachable();
    } catch (error) {
      assert.is(
        (error as Error).message,
        `refusing to listen on ${host}: other machines can reach it and no token is set, so anyone could run paid ` +
          'generations and write files. Set BRANCHFLOW_TOKEN, or bind HOST=127.0.0.1.',
      );
    }
  });
}

start('a port in use is an error naming the address', async () => {
  const first = await startServer({ registry: testRegistry(), logger: recordingLogger().logger, port: 0 });
  const port = Number(new URL(first.url).port);
  try {
    await startServer({ registry: testRegistry(), logger: recordingLogger().logger, port });
    assert.unreachable();
  } catch (error) {
    assert.match((error as Error).message, new RegExp(`^could not listen on 127\\.0\\.0\\.1:${port}: listen EADDRINUSE`));
  } finally {
    await first.close();
  }
});

start('logs one line per request: method, path without the query, status, duration', async () => {
  const { logger, records } = recordingLogger();
  const server = await startServer({ registry: testRegistry(), logger, port: 0 });
  try {
    await fetch(`${server.url}/api/plugins/test/echo?text=hi`);
    await readSse(`${server.url}/api/plugins/test/ticks?count=2`);
  } finally {
    await server.close();
  }
  const lines = records.filter((record) => record['message'] === 'request');
  assert.equal(
    lines.map(({ time, duration_ms, request_id, ...rest }) => [typeof duration_ms, typeof request_id, rest]),
    [
      ['number', 'string', { level: 'info', message: 'request', method: 'GET', path: '/api/plugins/test/echo', status: 200 }],
      ['number', 'string', { level: 'info', message: 'request', method: 'GET', path: '/api/plugins/test/ticks', status: 200, events: 2 }],
    ],
  );
});

start.run();

const shutdown = suite('shutdown');

shutdown('close() stops accepting connections', async () => {
  const server = await startServer({ registry: testRegistry(), logger: recordingLogger().logger, port: 0 });
  await server.close();
  try {
    await fetch(`${server.url}/health`);
    assert.unreachable();
  } catch (error) {
    assert.match(String((error as Error).cause), /ECONNREFUSED/);
  }
});

shutdown('the shutdown hook runs, and a stream it lets finish is sent whole before close() resolves', async () => {
  const gate: { release?: () => void } = {};
  const { logger, records } = recordingLogger();
  const server = await startServer({ registry: testRegistry([gateStep(gate)]), logger, port: 0, onShutdown: () => gate.release?.() });
  let opened: () => void = () => {};
  const open = new Promise<void>((resolve) => (opened = resolve));
  const reading = readSse(`${server.url}/api/plugins/test/gate`, { until: (reply) => (reply.frames.length === 1 && opened(), false) });
  await open;
  await server.close();
  assert.equal(frameData(await reading), [{ type: 'open' }, { type: 'done' }]);
  assert.not.ok(records.some((record) => record['level'] === 'warn'));
});

shutdown('a stream still open at the deadline is cut, and the step sees its signal aborted', async () => {
  const hold: { latest?: HoldState } = {};
  const { logger, records } = recordingLogger();
  const server = await startServer({ registry: testRegistry([holdStep(hold)]), logger, port: 0, shutdownTimeoutMs: 100 });
  let opened: () => void = () => {};
  const open = new Promise<void>((resolve) => (opened = resolve));
  const reading = readSse(`${server.url}/api/plugins/test/hold`, {
    until: (reply) => (reply.frames.length === 1 && opened(), false),
  }).catch((error: unknown) => error);
  await open;
  await server.close();
  await reading;
  assert.is(await hold.latest?.aborted, true);
  const warning = records.find((record) => record['level'] === 'warn');
  assert.equal(warning?.['message'], 'streams still open at the shutdown deadline; closing them');
});

shutdown('SIGTERM shuts down when handleSignals is on, and the listeners are removed after', async () => {
  const before = { term: process.listenerCount('SIGTERM'), interrupt: process.listenerCount('SIGINT') };
  const server = await startServer({ registry: testRegistry(), logger: recordingLogger().logger, port: 0, handleSignals: true });
  assert.is(process.listenerCount('SIGTERM'), before.term + 1);
  process.emit('SIGTERM', 'SIGTERM');
  await server.closed;
  assert.equal({ term: process.listenerCount('SIGTERM'), interrupt: process.listenerCount('SIGINT') }, before);
});

shutdown('close() twice is one shutdown', async () => {
  let hooks = 0;
  const server = await startServer({
    registry: testRegistry(),
    logger: recordingLogger().logger,
    port: 0,
    onShutdown: () => void (hooks += 1),
  });
  await Promise.all([server.close(), server.close()]);
  assert.is(hooks, 1);
});

shutdown.run();

const probes = suite('health and readiness');

probes('/health is alive', async () => {
  const { app } = testApp();
  const response = await app.request('/health');
  assert.equal([response.status, await response.json()], [200, { status: 'ok' }]);
});

probes('/ready is 200 with the checks when ready', async () => {
  const { app } = testApp({ ready: async () => ({ ok: true, checks: { store: true, watcher: true } }) });
  const response = await app.request('/ready');
  assert.equal([response.status, await response.json()], [200, { status: 'ready', checks: { store: true, watcher: true } }]);
});

probes('/ready is 503 with the checks when not', async () => {
  const { app } = testApp({ ready: async () => ({ ok: false, checks: { store: true, watcher: 'not running' } }) });
  const response = await app.request('/ready');
  assert.equal([response.status, await response.json()], [503, { status: 'not ready', checks: { store: true, watcher: 'not running' } }]);
});

probes('/ready is 503 when the check itself throws', async () => {
  const { app } = testApp({
    ready: async () => {
      throw new Error('data/conversations is not readable');
    },
  });
  const response = await app.request('/ready');
  assert.equal(
    [response.status, await response.json()],
    [503, { status: 'not ready', checks: { ready: 'data/conversations is not readable' } }],
  );
});

probes.run();

const bodies = suite('request bodies through the Node server');

/** A POST over a raw socket, so the test decides the framing (Content-Length or chunked). */
async function rawPost(url: string, path: string, head: string, payload: string): Promise<{ status: number; body: string }> {
  const { connect } = await import('node:net');
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nConnection: close\r\n${head}\r\n${payload}`,
      );
    });
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
      // The JSON answer, whether sent whole or in chunks (one here: it is small).
      const body = text.slice(text.indexOf('\r\n\r\n') + 4);
      resolve({ status, body: body.slice(body.indexOf('{'), body.lastIndexOf('}') + 1) });
    });
    socket.on('error', reject);
  });
}

bodies(
  'declared bodies are judged by their length; chunked ones are counted, and one under the cap is read (it answered 500)',
  async () => {
    const server = await startServer({ registry: testRegistry(), logger: recordingLogger().logger, port: 0, bodyLimitBytes: 64 });
    try {
      const small = JSON.stringify({ text: 'héllo' });
      const read = await rawPost(server.url, '/api/plugins/test/echo', `Content-Length: ${Buffer.byteLength(small)}\r\n`, small);
      assert.is(read.status, 200);
      assert.equal(JSON.parse(read.body), { success: true, input: { text: 'héllo', count: 1, stream: true } });
      const big = JSON.stringify({ text: 'x'.repeat(100) });
      const declared = await rawPost(server.url, '/api/plugins/test/echo', `Content-Length: ${big.length}\r\n`, big);
      assert.is(declared.status, 413);
      assert.match(declared.body, 'PAYLOAD_TOO_LARGE');
      const chunk = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;
      const chunked = await rawPost(
        server.url,
        '/api/plugins/test/echo',
        'Transfer-Encoding: chunked\r\n',
        chunk(big.slice(0, 50)) + chunk(big.slice(50)) + '0\r\n\r\n',
      );
      assert.is(chunked.status, 413);
      const chunkedSmall = await rawPost(
        server.url,
        '/api/plugins/test/echo',
        'Transfer-Encoding: chunked\r\n',
        chunk(small) + '0\r\n\r\n',
      );
      assert.equal(JSON.parse(chunkedSmall.body), { success: true, input: { text: 'héllo', count: 1, stream: true } });
    } finally {
      await server.close();
    }
  },
);

bodies.run();
