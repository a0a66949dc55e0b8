/**
 * @module SDK clients shared by the requests that would build identical ones (same adapter, base URL and key):
 * a client holds no per-request state, and building one costs more than the request's own setup. Clients are
 * found by a digest of those settings, so the map holds no key in clear; nothing here is ever logged.
 */
import { createHash } from 'node:crypto';

export interface ClientSettings {
  baseUrl: string | undefined;
  apiKey: string | undefined;
}

export class ClientCache {
  readonly #clients = new Map<string, unknown>();
  readonly #limit: number;

  /** `limit`: how many clients are kept (inline configs may name any base URL); the least recently used goes first. */
  constructor(limit = 64) {
    this.#limit = limit;
  }

  /** The client of `adapter` for these settings, built by `create` the first time. */
  get<Client>(adapter: string, settings: ClientSettings, create: () => Client): Client {
    const key = createHash('sha256')
      .update(JSON.stringify([adapter, settings.baseUrl ?? null, settings.apiKey ?? null]))
      .digest('base64url');
    const found = this.#clients.get(key) as Client | undefined;
    const client = found ?? create();
    this.#clients.delete(key);
    this.#clients.set(key, client);
    if (this.#clients.size > this.#limit) this.#clients.delete(this.#clients.keys().next().value!);
    return client;
  }

  get size(): number {
    return this.#clients.size;
  }
}
