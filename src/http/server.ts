/**
 * @module startServer: listens (127.0.0.1:8050 by default), refuses a non-loopback bind without a token, and
 * shuts down gently: stop accepting, run the onShutdown hook, let open streams finish for a bounded time.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { createApp, type AppOptions } from './create-app.js';
import { isLoopbackHost } from './middleware/loopback.js';

/**
 * Connections the kernel may queue before they are accepted (Node's default is 511; the kernel caps it at
 * net.core.somaxconn). While the event loop is busy starting generations, a burst of clients fills a short queue
 * and the overflow is reset (ECONNRESET) instead of waiting: the benchmark lost 435 to 715 of 2,000 streams opened
 * within a second that way.
 */
const listenBacklog = 4096;

export interface ServerOptions extends AppOptions {
  /** HOST; 127.0.0.1 by default. */
  host?: string;
  /** PORT; 8050 by default, 0 for any free port. */
  port?: number;
  /**
   * Runs once the server stops accepting, before the wait for open streams (the generations save partials and
   * end their streams here). It is awaited in full, however long: it guards data, the deadline guards sockets.
   */
  onShutdown?: () => Promise<void> | void;
  /** How long open streams may run on after shutdown starts before their connections are cut; 10 s by default. */
  shutdownTimeoutMs?: number;
  /** Shut down on SIGTERM / SIGINT (a second signal cuts open connections at once). */
  handleSignals?: boolean;
}

export interface RunningServer {
  url: string;
  /** Shuts down (see ServerOptions); calling it again returns the same promise. */
  close(): Promise<void>;
  /** Settles when shutdown has finished, however it started: what main awaits before exiting 0. */
  closed: Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8050;
  const { logger } = options;
  if (!isLoopbackHost(host) && !options.token) {
    throw new Error(
      `refusing to listen on ${host}: other machines can reach it and no token is set, so anyone could run paid ` +
        'generations and write files. Set BRANCHFLOW_TOKEN, or bind HOST=127.0.0.1.',
    );
  }
  const app = createApp(options);
  // overrideGlobalObjects: false keeps the process's own fetch Request/Response, which the provider SDKs use.
  const server = createAdaptorServer({ fetch: app.fetch, hostname: host, overrideGlobalObjects: false }) as Server;
  await new Promise<void>((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException): void => {
      const advice =
        error.code === 'EADDRINUSE'
          ? ' (another server, perhaps another branchflow, has that port: stop it, or set PORT to a free port; PORT=0 picks one)'
          : error.code === 'EACCES'
            ? ' (ports below 1024 need privileges: set PORT to 1024 or above)'
            : error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND'
              ? ' (HOST is not an address of this machine)'
              : '';
      reject(new Error(`could not listen on ${host}:${port}: ${error.message}${advice}`, { cause: error }));
    };
    server.once('error', fail);
    server.listen(port, host, listenBacklog, () => {
      server.off('error', fail);
      resolve();
    });
  });
  server.on('error', (error) => logger.error('server error', { error }));
  const address = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  logger.info('listening', { url });

  let closing: Promise<void> | undefined;
  let reportClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => (reportClosed = resolve));

  const onSignal = (signal: NodeJS.Signals): void => {
    if (closing) {
      logger.warn('second signal: closing open connections now', { signal });
      server.closeAllConnections();
      return;
    }
    logger.info('shutting down', { signal });
    void close();
  };

  // Requests still being answered (open streams among them). Once none is left during shutdown, what remains
  // are idle keep-alive sockets and sockets a client opened without sending anything: nothing to wait for.
  let inFlight = 0;
  let shuttingDown = false;
  server.on('request', (_request, response) => {
    inFlight += 1;
    response.once('close', () => {
      inFlight -= 1;
      if (shuttingDown && inFlight === 0) server.closeAllConnections();
    });
  });

  const shutdown = async (): Promise<void> => {
    const allClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    try {
      await options.onShutdown?.();
    } catch (error) {
      logger.error('the shutdown hook failed', { error });
    }
    shuttingDown = true;
    if (inFlight === 0) server.closeAllConnections();
    const timeoutMs = options.shutdownTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      allClosed.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      logger.warn('streams still open at the shutdown deadline; closing them', { timeout_ms: timeoutMs, open: inFlight });
      server.closeAllConnections();
      await allClosed;
    }
    if (options.handleSignals) {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    }
    logger.info('server stopped');
    reportClosed();
  };
  const close = (): Promise<void> => (closing ??= shutdown());

  if (options.handleSignals) {
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }
  return { url, close, closed };
}
