/**
 * @module A running branchflow for workflow tests: a temporary root with one conversation, configs pointing at
 * fake OpenAI and Gemini servers, the engine, and a listening HTTP server on 127.0.0.1.
 */
import { createEngine, type Engine, type EngineOptions } from '../../../src/engine.js';
import { startServer, type RunningServer } from '../../../src/http/index.js';
import { silentLogger } from '../../../src/lib/logger.js';
import type { ConversationDoc } from '../../../src/store/tree/document.js';
import { startFakeGemini } from '../../helpers/fake-gemini.js';
import { startFakeOpenAi, type FakeServer } from '../../helpers/fake-openai.js';
import { frameData, readSse, type SseReply, type SseRequest } from '../../helpers/sse-client.js';
import { createTempRoot, type TempRoot } from '../../helpers/temp-root.js';

export const testKey = 'sk-branchflow-test-key-0123456789';

export const baseDoc: ConversationDoc = {
  name: 'Test',
  roots: ['n_root'],
  nodes: {
    n_root: { pid: null, role: 'system', content: 'You are terse.' },
    n_user: { pid: 'n_root', role: 'user', content: 'Say hello.' },
  },
  active_path: ['n_root', 'n_user'],
};

export interface WorkflowWorld {
  root: TempRoot;
  engine: Engine;
  server: RunningServer;
  openAi: FakeServer;
  gemini: FakeServer;
  /** data/conversations/test/conversation.json */
  file: string;
  openAiConfig: string;
  geminiConfig: string;
  /** The URL of a step, with query parameters for GET. */
  url(path: string, query?: Record<string, string>): string;
  stream(path: string, query: Record<string, string>, request?: SseRequest): Promise<SseReply>;
  post<Body = unknown>(path: string, body: unknown): Promise<{ status: number; body: Body }>;
  doc(): ConversationDoc;
  close(): Promise<void>;
}

export async function startWorld(
  options: {
    checkpointIntervalMs?: number;
    settings?: object;
    engine?: Pick<EngineOptions, 'plugins' | 'hooks' | 'steps' | 'hookTimeoutMs'>;
  } = {},
): Promise<WorkflowWorld> {
  const root = createTempRoot('branchflow-workflow-');
  const [openAi, gemini] = await Promise.all([startFakeOpenAi(), startFakeGemini()]);
  const openAiConfig = root.writeLlmConfig('fake_openai', {
    name: 'fake openai',
    provider: 'openai_compatible',
    base_url: openAi.baseUrl,
    api_key: '${TEST_PROVIDER_KEY}',
    model: 'gpt-test',
    timeout: 5,
    connect_timeout: 5,
  });
  const geminiConfig = root.writeLlmConfig('fake_gemini', {
    name: 'fake gemini',
    provider: 'gemini',
    base_url: gemini.baseUrl,
    api_key: '${TEST_PROVIDER_KEY}',
    model: 'gemini-test',
    timeout: 5,
    connect_timeout: 5,
  });
  const file = root.writeConversation('test', baseDoc, options.settings ?? { llm_config: openAiConfig });
  const engine = await createEngine({
    root: root.root,
    logger: silentLogger,
    env: { TEST_PROVIDER_KEY: testKey },
    ...(options.checkpointIntervalMs === undefined ? {} : { checkpointIntervalMs: options.checkpointIntervalMs }),
    ...options.engine,
  });
  const server = await startServer({ registry: engine.api, logger: silentLogger, port: 0 });
  const url = (path: string, query: Record<string, string> = {}): string => {
    const search = new URLSearchParams(query).toString();
    return `${server.url}/api/${path}${search === '' ? '' : '?' + search}`;
  };
  return {
    root,
    engine,
    server,
    openAi,
    gemini,
    file,
    openAiConfig,
    geminiConfig,
    url,
    stream: (path, query, request) => readSse(url(path, query), request),
    async post<Body>(path: string, body: unknown) {
      const response = await fetch(url(path), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Body };
    },
    doc: () => root.readJson<ConversationDoc>(file),
    async close() {
      await server.close();
      await engine.close();
      await Promise.all([openAi.close(), gemini.close()]);
      root.cleanup();
    },
  };
}

/** Puts the conversation back to a system root and one user message, and forgets the fakes' requests. */
export function resetWorld(world: WorkflowWorld, userContent: string): void {
  world.openAi.reset();
  world.gemini.reset();
  world.root.writeConversation('test', {
    roots: ['n_root'],
    nodes: {
      n_root: { pid: null, role: 'system', content: 'You are terse.' },
      n_user: { pid: 'n_root', role: 'user', content: userContent },
    },
    active_path: ['n_root', 'n_user'],
  });
}

export type WireEvent = { type: string; [key: string]: unknown };

export function events(reply: SseReply): WireEvent[] {
  return frameData(reply) as WireEvent[];
}

/** Waits for a condition without fixed sleeps, failing with `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
