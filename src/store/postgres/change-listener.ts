/**
 * @module LISTEN on the conversations channel: one connection of its own (a pooled one would be handed to other
 * queries), reopened with a growing pause when PostgreSQL restarts. Each notification names the file, its new
 * version and which branchflow server wrote it (none for a hand edit in psql); the store turns it into the same
 * WatchEvents the file watcher gives. Changes made while the connection was down are not replayed.
 */
import pg from 'pg';
import type { Logger } from '../../lib/logger.js';

export const changesChannel = 'branchflow_conversations';

export interface RowChange {
  op: 'insert' | 'update' | 'delete';
  file: string;
  version: string;
  /** The writer id of the server that made the change, or null for a change made by hand. */
  writer: string | null;
  /** Made by this store itself. */
  own: boolean;
}

export interface ChangeListenerOptions {
  url: string;
  logger: Logger;
  writerId: string;
  onChange: (change: RowChange) => void;
}

const reconnectDelaysMs = [200, 500, 1000, 2000, 5000];

export class ChangeListener {
  readonly #options: ChangeListenerOptions;
  #client: pg.Client | undefined;
  #starting: Promise<void> | undefined;
  #listening = false;
  #closed = false;
  #retryTimer: NodeJS.Timeout | undefined;
  #failures = 0;

  constructor(options: ChangeListenerOptions) {
    this.#options = options;
  }

  get listening(): boolean {
    return this.#listening;
  }

  /** Resolves once LISTEN is in place (the first time; later reconnects happen by themselves). */
  start(): Promise<void> {
    this.#starting ??= this.#connect();
    return this.#starting;
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.#options.url, connectionTimeoutMillis: 5000 });
    this.#client = client;
    const lost = (error?: Error): void => {
      if (this.#client !== client) return;
      this.#client = undefined;
      this.#listening = false;
      void client.end().catch(() => undefined);
      if (this.#closed) return;
      this.#options.logger.warn('lost the PostgreSQL connection that listens for conversation changes; reconnecting', {
        error: error?.message,
      });
      this.#scheduleReconnect();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (message) => {
      if (message.channel !== changesChannel || message.payload === undefined) return;
      const change = parseChange(message.payload, this.#options.writerId);
      if (change) this.#options.onChange(change);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${changesChannel}`);
      this.#listening = true;
      this.#failures = 0;
    } catch (error) {
      lost(error as Error);
      throw error;
    }
  }

  #scheduleReconnect(): void {
    const delay = reconnectDelaysMs[Math.min(this.#failures, reconnectDelaysMs.length - 1)]!;
    this.#failures++;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (!this.#closed) void this.#connect().catch(() => undefined);
    }, delay);
    this.#retryTimer.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    const client = this.#client;
    this.#client = undefined;
    this.#listening = false;
    await client?.end().catch(() => undefined);
  }
}

function parseChange(payload: string, writerId: string): RowChange | undefined {
  try {
    const value = JSON.parse(payload) as { op?: unknown; file?: unknown; version?: unknown; writer?: unknown };
    if (typeof value.file !== 'string' || (value.op !== 'insert' && value.op !== 'update' && value.op !== 'delete')) return undefined;
    const writer = typeof value.writer === 'string' ? value.writer : null;
    return { op: value.op, file: value.file, version: String(value.version), writer, own: writer === writerId };
  } catch {
    return undefined;
  }
}
