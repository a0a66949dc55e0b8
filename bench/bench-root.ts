/**
 * @module The engine's world for one benchmark run: a temporary BRANCHFLOW_ROOT with `data/conversations/` and
 * `data/llm_configs/`, where every LLM config points at the fake provider (its profile in the base URL), and
 * the conversations a scenario needs, written before the engine starts so its watcher has nothing to catch up on.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ConversationDoc } from '../src/store/index.js';
import { profileSegment, type ReplyProfile } from './reply-profile.js';
import type { Dialect, Message } from './wire.js';

export interface BenchRoot {
  root: string;
  /** Writes the LLM config for a profile (idempotent); its path is `configFileFor(profile, dialect)`. */
  writeConfig(profile: ReplyProfile, dialect: Dialect): void;
  /** Writes `data/conversations/<slug>/conversation.json`; returns its root-relative path. */
  writeConversation(slug: string, doc: ConversationDoc | string): string;
  path(relative: string): string;
  cleanup(): void;
}

export function configFileFor(profile: ReplyProfile, dialect: Dialect): string {
  return `data/llm_configs/bench_${dialect}_${profileSegment(profile).replace(/[^0-9_]/g, '')}.json`;
}

export function createBenchRoot(fakeOrigin: string): BenchRoot {
  const root = mkdtempSync(join(tmpdir(), 'branchflow-bench-'));
  const path = (relative: string): string => join(root, relative);
  const write = (relative: string, text: string): string => {
    mkdirSync(dirname(path(relative)), { recursive: true });
    writeFileSync(path(relative), text);
    return relative;
  };
  mkdirSync(path('data/conversations'), { recursive: true });
  mkdirSync(path('data/llm_configs'), { recursive: true });
  return {
    root,
    path,
    writeConfig(profile, dialect) {
      const base = `${fakeOrigin}/${profileSegment(profile)}/${dialect === 'gemini' ? 'v1beta' : 'v1'}`;
      const config =
        dialect === 'openai'
          ? { name: 'bench (OpenAI wire)', provider: 'openai_compatible', base_url: base, model: 'bench-model' }
          : dialect === 'gemini'
            ? { name: 'bench (Gemini wire)', provider: 'gemini', api_key: 'bench-key', base_url: base, model: 'bench-model' }
            : { name: 'bench (Anthropic wire)', provider: 'anthropic', api_key: 'bench-key', base_url: base, model: 'bench-model' };
      // Paced streams at 2,000 connections can start late; no retry, so a failure shows instead of hiding.
      write(
        configFileFor(profile, dialect),
        JSON.stringify({ ...config, timeout: 120, connect_timeout: 60, max_retries: 0 }, null, 2) + '\n',
      );
    },
    writeConversation(slug, doc) {
      return write(`data/conversations/${slug}/conversation.json`, typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2) + '\n');
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** A short chat (system + user) and the messages the engine sends for a reply under its user node. */
export const shortChat: { doc: ConversationDoc; parentId: string; messages: Message[] } = {
  doc: {
    name: 'Benchmark chat',
    roots: ['n_system'],
    nodes: {
      n_system: { pid: null, role: 'system', content: 'You are a concise assistant.' },
      n_user: { pid: 'n_system', role: 'user', content: 'Tell me a short story about a lighthouse.' },
    },
    children: { n_system: ['n_user'] },
    active_path: ['n_system', 'n_user'],
  },
  parentId: 'n_user',
  messages: [
    { role: 'system', content: 'You are a concise assistant.' },
    { role: 'user', content: 'Tell me a short story about a lighthouse.' },
  ],
};
