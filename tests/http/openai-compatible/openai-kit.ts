/**
 * @module A running branchflow for the OpenAI-compatible door's tests: a temporary root with mock configs (one
 * that answers, one that fails after a chunk, one whose key does not resolve), one conversation, the engine, a
 * listening server, and an official `openai` SDK client pointed at its /v1.
 */
import OpenAI from 'openai';
import { createEngine, type Engine } from '../../../src/engine.js';
import { createApp, startServer, type RunningServer } from '../../../src/http/index.js';
import { silentLogger } from '../../../src/lib/logger.js';
import type { ConversationDoc } from '../../../src/store/tree/document.js';
import { createTempRoot, type TempRoot } from '../../helpers/temp-root.js';

export const conversationDoc: ConversationDoc = {
  name: 'Door',
  roots: ['n_root'],
  nodes: {
    n_root: { pid: null, role: 'system', content: 'You are terse.' },
    n_user: { pid: 'n_root', role: 'user', content: 'Hello there.' },
    n_reply: { pid: 'n_user', role: 'assistant', content: 'Hi.' },
  },
  active_path: ['n_root', 'n_user', 'n_reply'],
};

export interface DoorWorld {
  root: TempRoot;
  engine: Engine;
  server: RunningServer;
  /** The SDK client, with the server's token when one is set (else any key: OpenAI clients always send one). */
  client: OpenAI;
  /** data/conversations/door/conversation.json */
  file: string;
  doc(): ConversationDoc;
  /** Writes the conversation back as it started. */
  reset(): void;
  close(): Promise<void>;
}

export async function startDoorWorld(options: { token?: string } = {}): Promise<DoorWorld> {
  const root = createTempRoot('branchflow-openai-door-');
  root.writeLlmConfig('mock', { name: 'Mock', provider: 'mock', model: 'mock-model', mock: { chunk_size: 6 } });
  root.writeLlmConfig('broken', {
    name: 'Broken',
    provider: 'mock',
    model: 'mock-broken',
    mock: { chunk_size: 6, fail_after_chunks: 2, fail_message: 'the mock went down after two chunks' },
  });
  root.writeLlmConfig('slow', { name: 'Slow', provider: 'mock', model: 'mock-slow', mock: { chunk_size: 2, delay_ms: 25 } });
  root.writeLlmConfig('keyless', { name: 'Keyless', provider: 'openai', model: 'gpt-x', api_key: '${DOOR_TEST_MISSING_KEY}' });
  root.write('data/llm_configs/folder_config/llm_config.json', { name: 'Folder', provider: 'mock', model: 'mock-folder' });
  const file = root.writeConversation('door', conversationDoc);
  const engine = await createEngine({ root: root.root, logger: silentLogger, env: {} });
  const server = await startServer({
    registry: engine.api,
    logger: silentLogger,
    port: 0,
    ...(options.token ? { token: options.token } : {}),
  });
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: options.token ?? 'sk-anything', maxRetries: 0, timeout: 20_000 });
  return {
    root,
    engine,
    server,
    client,
    file,
    doc: () => root.readJson<ConversationDoc>(file),
    reset: () => void root.writeConversation('door', conversationDoc),
    async close() {
      await server.close();
      await engine.close();
      root.cleanup();
    },
  };
}

/** The same engine's app, for in-process `app.request` tests. */
export function appOf(world: DoorWorld, options: { token?: string } = {}) {
  return createApp({ registry: world.engine.api, logger: silentLogger, ...(options.token ? { token: options.token } : {}) });
}

/** The mock provider's reply to a last user message, and its usage (about four characters a token). */
export function mockAnswer(
  prompts: string[],
  lastUser: string,
): { text: string; usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } } {
  const text = `Mock reply to: ${lastUser}`;
  const tokens = (value: string): number => Math.ceil(Array.from(value).length / 4);
  const prompt = prompts.reduce((sum, value) => sum + tokens(value), 0);
  return { text, usage: { prompt_tokens: prompt, completion_tokens: tokens(text), total_tokens: prompt + tokens(text) } };
}

/** Awaits an SDK call that must fail and hands back its APIError (status, error body, headers). */
export async function apiFailure(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OpenAI.APIError) return error;
    throw error;
  }
  throw new Error('expected the call to fail with an APIError');
}

/** An assistant node as saved, with the timings (which differ from run to run) replaced by their type. */
export function withoutTimings(node: unknown): unknown {
  const { node_updated_at, meta, ...rest } = node as { node_updated_at?: unknown; meta?: Record<string, unknown> };
  const timed = meta === undefined ? {} : { meta: { ...meta, response_time: typeof meta['response_time'], ttft: typeof meta['ttft'] } };
  return { ...rest, node_updated_at: typeof node_updated_at, ...timed };
}
