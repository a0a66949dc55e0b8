/**
 * @module The shared generation log on Redis (BRANCHFLOW_REDIS): each generation's events go to a Redis Stream
 * whose entry ids are `0-<seq>`, so a `Last-Event-ID` of `<generation>:<seq>` reads on from exactly there on any
 * server (XRANGE, then XREAD BLOCK). The owner holds a lease (`SET NX PX`, renewed while it runs); a server that
 * finds a running generation without a lease claims it the same way, so exactly one takes it over, saves its
 * text as a partial reply and ends its stream. Abort requests reach the owner through PUBLISH. A request id is
 * claimed with `SET NX` (`request:<id>` → generation id), so a retry on any server attaches to the generation it
 * started; a sorted set of every generation (by start time) lets any server list the cluster's generations.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { CallError } from '../lib/call-error.js';
import type { Logger } from '../lib/logger.js';
import type { Generation, GenerationSummary, LoggedEvent } from './generation.js';
import type { GenerationEvent } from './generation-events.js';
import type { GenerationLog, GenerationView, OrphanedGeneration, SharedDetails, TakeOver } from './generation-log.js';
import { ReplyFold } from './reply-fold.js';

export const redisSetting = 'BRANCHFLOW_REDIS';

export interface RedisGenerationLogOptions {
  /** `redis://host:6379/0` */
  url: string;
  logger: Logger;
  /** Put before every key and channel, so several deployments (or tests) share one Redis. Default `branchflow:`. */
  prefix?: string;
  /** A lease not renewed for this long means its owner is gone. Default 5000 ms; renewed every third of it. */
  leaseMs?: number;
  /** How long a finished generation's stream is kept for late viewers. Default 10 minutes. */
  retentionMs?: number;
  /** How often this server looks for generations whose owner is gone. Default 1000 ms. */
  sweepMs?: number;
  /** Entries a stream keeps at most (approximately). Default 100 000. */
  maxEvents?: number;
}

/** Renews a lease only while it is still ours: a lease taken over meanwhile must not be extended by the old owner. */
const renewScript = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const releaseScript = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export function checkedRedisUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CallError('BAD_INPUT', `${redisSetting} is not a URL; expected redis://host:6379`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new CallError('BAD_INPUT', `${redisSetting} must start with redis:// or rediss:// (it starts with ${parsed.protocol}//)`);
  }
  return url;
}

function shownRedisUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}

export async function openRedisGenerationLog(options: RedisGenerationLogOptions): Promise<RedisGenerationLog> {
  const url = checkedRedisUrl(options.url);
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, connectTimeout: 5000 });
  redis.on('error', (error: Error) => options.logger.debug('Redis connection error', { error: error.message }));
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new CallError('UNAVAILABLE', `${redisSetting}: cannot use Redis at ${shownRedisUrl(url)}: ${(error as Error).message}`, {
      cause: error,
      exposed: true,
    });
  }
  return new RedisGenerationLog(options, redis);
}

function unavailable(error: unknown, what: string): CallError {
  if (error instanceof CallError) return error;
  return new CallError('UNAVAILABLE', `Redis (${redisSetting}) cannot be reached: ${(error as Error).message}; ${what}`, {
    cause: error,
    exposed: true,
    details: { service: 'redis' },
  });
}

type StreamEntry = [id: string, fields: string[]];

function decode(entry: StreamEntry): LoggedEvent {
  const seq = Number(entry[0].split('-')[1]);
  const data = entry[1][entry[1].indexOf('data') + 1] ?? '{}';
  return { seq, event: JSON.parse(data) as GenerationEvent };
}

export class RedisGenerationLog implements GenerationLog {
  readonly shared = true;
  readonly serverId = `srv_${randomBytes(6).toString('hex')}`;
  readonly #redis: Redis;
  readonly #logger: Logger;
  readonly #prefix: string;
  readonly #leaseMs: number;
  readonly #retentionMs: number;
  readonly #sweepMs: number;
  readonly #maxEvents: number;
  readonly #renewals = new Map<string, NodeJS.Timeout>();
  readonly #readers = new Set<Redis>();
  #subscriber: Redis | undefined;
  #sweeper: NodeJS.Timeout | undefined;
  #sweeping = false;
  #closed = false;

  constructor(options: RedisGenerationLogOptions, redis: Redis) {
    this.#redis = redis;
    this.#logger = options.logger;
    this.#prefix = options.prefix ?? 'branchflow:';
    this.#leaseMs = options.leaseMs ?? 5000;
    this.#retentionMs = options.retentionMs ?? 10 * 60_000;
    this.#sweepMs = options.sweepMs ?? 1000;
    this.#maxEvents = options.maxEvents ?? 100_000;
  }

  #key(id: string, part: 'events' | 'meta' | 'lease'): string {
    return `${this.#prefix}generation:${id}:${part}`;
  }

  #requestKey(requestId: string): string {
    return `${this.#prefix}request:${requestId}`;
  }

  /** Every generation whose facts are still kept, scored by start time (ms): the cluster's list. */
  get #all(): string {
    return `${this.#prefix}generations:all`;
  }

  get #running(): string {
    return `${this.#prefix}generations:running`;
  }

  get #abortChannel(): string {
    return `${this.#prefix}generations:abort`;
  }

  started(generation: Generation, details: SharedDetails): void {
    const { id } = generation;
    const meta: Record<string, string> = {
      conversation_file: generation.conversationFile,
      parent_id: generation.parentId,
      node_id: generation.nodeId,
      fill_target: details.fillTarget ? '1' : '0',
      started_at: generation.startedAt.toISOString(),
      owner: this.serverId,
    };
    if (details.provider !== undefined) meta['provider'] = details.provider;
    if (details.model !== undefined) meta['model'] = details.model;
    if (generation.requestId !== undefined) meta['request_id'] = generation.requestId;
    const failed = (error: unknown): void =>
      this.#logger.warn('could not record a generation in Redis; other servers cannot resume or take it over', {
        generation_id: id,
        error: (error as Error).message,
      });
    this.#redis
      .multi()
      .hset(this.#key(id, 'meta'), meta)
      .set(this.#key(id, 'lease'), this.serverId, 'PX', this.#leaseMs)
      .sadd(this.#running, id)
      .zadd(this.#all, generation.startedAt.getTime(), id)
      .exec()
      .catch(failed);
    this.#holdLease(id);
    generation.observe((seq, event) => {
      void this.#append(id, seq, event).catch(failed);
      if (event.type === 'end') void this.#finish(id, generation.requestId).catch(failed);
    });
  }

  #append(id: string, seq: number, event: GenerationEvent): Promise<unknown> {
    return this.#redis.xadd(this.#key(id, 'events'), 'MAXLEN', '~', String(this.#maxEvents), `0-${seq}`, 'data', JSON.stringify(event));
  }

  /** The stream ended: keep it (and its facts, and its request id) for late viewers a while, and let go of the lease. */
  async #finish(id: string, requestId: string | undefined): Promise<void> {
    this.#releaseLease(id);
    const transaction = this.#redis.multi();
    if (requestId !== undefined) transaction.pexpire(this.#requestKey(requestId), this.#retentionMs);
    await transaction
      .pexpire(this.#key(id, 'events'), this.#retentionMs)
      .hset(this.#key(id, 'meta'), 'finished_at', new Date().toISOString())
      .pexpire(this.#key(id, 'meta'), this.#retentionMs)
      .srem(this.#running, id)
      .eval(releaseScript, 1, this.#key(id, 'lease'), this.serverId)
      .exec();
  }

  #holdLease(id: string): void {
    const timer = setInterval(
      () => {
        this.#redis
          .eval(renewScript, 1, this.#key(id, 'lease'), this.serverId, String(this.#leaseMs))
          .catch((error: Error) =>
            this.#logger.warn('could not renew a generation lease in Redis', { generation_id: id, error: error.message }),
          );
      },
      Math.max(50, Math.floor(this.#leaseMs / 3)),
    );
    timer.unref();
    this.#renewals.set(id, timer);
  }

  #releaseLease(id: string): void {
    clearInterval(this.#renewals.get(id));
    this.#renewals.delete(id);
  }

  async find(generationId: string): Promise<GenerationView | undefined> {
    let replies: [Error | null, unknown][] | null;
    try {
      replies = await this.#lookUp(this.#redis.multi(), generationId).exec();
    } catch (error) {
      throw unavailable(error, `could not look up generation ${generationId}`);
    }
    const found = this.#viewOf(generationId, replies ?? []);
    return found;
  }

  /** Queues the three reads a generation's view needs: its facts, its length and its last event. */
  #lookUp(transaction: ReturnType<Redis['multi']>, generationId: string): ReturnType<Redis['multi']> {
    return transaction
      .hgetall(this.#key(generationId, 'meta'))
      .xlen(this.#key(generationId, 'events'))
      .xrevrange(this.#key(generationId, 'events'), '+', '-', 'COUNT', 1);
  }

  /** The view from the three replies `#lookUp` queued (undefined when the generation's facts are gone). */
  #viewOf(generationId: string, replies: [Error | null, unknown][]): GenerationView | undefined {
    const meta = (replies[0]?.[1] ?? {}) as Record<string, string>;
    const count = Number(replies[1]?.[1] ?? 0);
    const last = (replies[2]?.[1] ?? []) as StreamEntry[];
    if (meta['conversation_file'] === undefined) return undefined;
    const lastEvent = last[0] ? decode(last[0]) : undefined;
    const done = lastEvent?.event.type === 'end';
    const summary: GenerationSummary = {
      generation_id: generationId,
      status: done ? 'done' : 'running',
      conversation_file: meta['conversation_file'],
      parent_id: meta['parent_id'] ?? '',
      node_id: meta['node_id'] ?? '',
      content_length: 0,
      events: count,
      viewers: 0,
      started_at: meta['started_at'] ?? '',
      ...(meta['finished_at'] === undefined ? {} : { finished_at: meta['finished_at'] }),
    };
    return {
      id: generationId,
      status: summary.status,
      ...(meta['model'] === undefined ? {} : { model: meta['model'] }),
      summary: () => summary,
      follow: (afterSeq, signal) => this.#follow(generationId, afterSeq, signal),
    };
  }

  async claimRequest(requestId: string, generationId: string): Promise<string | undefined> {
    // Kept a day at most while the generation runs (a crash of every server must not keep it forever); its end
    // (or the takeover's) shortens it to the log's retention, so a retry attaches exactly as long as it can read.
    const claimed = await this.#redis.set(this.#requestKey(requestId), generationId, 'PX', 24 * 3_600_000, 'NX');
    if (claimed === 'OK') return undefined;
    return (await this.#redis.get(this.#requestKey(requestId))) ?? undefined;
  }

  async findRequest(requestId: string): Promise<string | undefined> {
    try {
      return (await this.#redis.get(this.#requestKey(requestId))) ?? undefined;
    } catch (error) {
      throw unavailable(error, `could not look up request_id ${requestId}`);
    }
  }

  async list(): Promise<GenerationSummary[]> {
    try {
      const ids = await this.#redis.zrange(this.#all, 0, -1);
      if (ids.length === 0) return [];
      const transaction = this.#redis.multi();
      for (const id of ids) this.#lookUp(transaction, id);
      const replies = (await transaction.exec()) ?? [];
      const summaries: GenerationSummary[] = [];
      const gone: string[] = [];
      for (const [index, id] of ids.entries()) {
        const view = this.#viewOf(id, replies.slice(index * 3, index * 3 + 3));
        if (view) summaries.push(view.summary());
        else gone.push(id);
      }
      // Facts expired with the retention: the generation is forgotten here too.
      if (gone.length > 0) await this.#redis.zrem(this.#all, ...gone);
      return summaries;
    } catch (error) {
      throw unavailable(error, 'could not list the generations of the servers sharing it');
    }
  }

  /** The stream after `afterSeq`, then its live tail until `end`, on a connection of its own (XREAD BLOCK holds it). */
  async *#follow(id: string, afterSeq: number, signal?: AbortSignal): AsyncGenerator<LoggedEvent, void, undefined> {
    const reader = this.#redis.duplicate({ maxRetriesPerRequest: 2 });
    reader.on('error', () => undefined);
    this.#readers.add(reader);
    const stop = (): void => reader.disconnect();
    signal?.addEventListener('abort', stop, { once: true });
    const key = this.#key(id, 'events');
    let last = `0-${Math.max(0, afterSeq)}`;
    try {
      while (!signal?.aborted && !this.#closed) {
        let reply: [string, StreamEntry[]][] | null;
        try {
          reply = await reader.xread('COUNT', 500, 'BLOCK', 2000, 'STREAMS', key, last);
        } catch (error) {
          if (signal?.aborted || this.#closed) return;
          throw unavailable(error, `stopped following generation ${id}`);
        }
        if (reply === null) {
          // Nothing new for a while: a stream that expired (or was never there) will not grow again.
          if ((await reader.exists(key)) === 0) return;
          continue;
        }
        for (const entry of reply[0]?.[1] ?? []) {
          const logged = decode(entry);
          last = entry[0];
          yield logged;
          if (logged.event.type === 'end') return;
        }
      }
    } finally {
      signal?.removeEventListener('abort', stop);
      this.#readers.delete(reader);
      reader.disconnect();
    }
  }

  async requestAbort(generationId: string): Promise<void> {
    try {
      await this.#redis.publish(this.#abortChannel, generationId);
    } catch (error) {
      throw unavailable(error, `could not ask the server running ${generationId} to stop it`);
    }
  }

  onAbortRequest(handler: (generationId: string) => void): void {
    const subscriber = (this.#subscriber ??= this.#redis.duplicate());
    subscriber.on('error', () => undefined);
    void subscriber
      .subscribe(this.#abortChannel)
      .catch((error: Error) => this.#logger.error('could not subscribe to abort requests in Redis', { error: error.message }));
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.#abortChannel) handler(message);
    });
  }

  watchForOrphans(takeOver: TakeOver): void {
    this.#sweeper = setInterval(() => {
      if (this.#sweeping || this.#closed) return;
      this.#sweeping = true;
      void this.#sweep(takeOver)
        .catch((error: Error) => this.#logger.warn('could not look for orphaned generations in Redis', { error: error.message }))
        .finally(() => (this.#sweeping = false));
    }, this.#sweepMs);
    this.#sweeper.unref();
  }

  async #sweep(takeOver: TakeOver): Promise<void> {
    for (const id of await this.#redis.smembers(this.#running)) {
      if (this.#renewals.has(id)) continue;
      // The claim: only one server gets OK, and only once the owner's lease has run out.
      const claimed = await this.#redis.set(this.#key(id, 'lease'), this.serverId, 'PX', this.#leaseMs, 'NX');
      if (claimed !== 'OK') continue;
      this.#holdLease(id);
      try {
        await this.#takeOver(id, takeOver);
      } finally {
        this.#releaseLease(id);
      }
    }
  }

  async #takeOver(id: string, takeOver: TakeOver): Promise<void> {
    const meta = await this.#redis.hgetall(this.#key(id, 'meta'));
    const entries = (await this.#redis.xrange(this.#key(id, 'events'), '-', '+')) as StreamEntry[];
    const logged = entries.map(decode);
    const ended = logged.some(({ event }) => event.type === 'end');
    if (meta['conversation_file'] === undefined || ended) {
      await this.#finish(id, meta['request_id']);
      return;
    }
    const orphan: OrphanedGeneration = {
      generation_id: id,
      conversation_file: meta['conversation_file'],
      parent_id: meta['parent_id'] ?? '',
      node_id: meta['node_id'] ?? '',
      fill_target: meta['fill_target'] === '1',
      ...(meta['provider'] === undefined ? {} : { provider: meta['provider'] }),
      ...(meta['model'] === undefined ? {} : { model: meta['model'] }),
      started_at: meta['started_at'] ?? '',
      ...foldReply(logged.map(({ event }) => event)),
      ended,
    };
    this.#logger.warn('taking over a generation whose server went away', { generation_id: id, characters: orphan.content.length });
    const closing = await takeOver(orphan);
    let seq = logged.at(-1)?.seq ?? 0;
    for (const event of closing) await this.#append(id, ++seq, event);
    await this.#finish(id, meta['request_id']);
  }

  async check(): Promise<true | string> {
    try {
      await this.#redis.ping();
      return true;
    } catch (error) {
      return `${redisSetting}: ${(error as Error).message}`;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweeper);
    for (const timer of this.#renewals.values()) clearInterval(timer);
    for (const reader of this.#readers) reader.disconnect();
    this.#subscriber?.disconnect();
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}

function foldReply(events: GenerationEvent[]): Pick<OrphanedGeneration, 'content' | 'reasoning' | 'tool_steps'> {
  const reply = new ReplyFold();
  for (const event of events) reply.apply(event);
  return { content: reply.content, reasoning: reply.reasoning, tool_steps: reply.toolSteps };
}
