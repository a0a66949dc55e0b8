/**
 * @module Temporary project roots for the fault suite, each inside a parent folder of its own (so "nothing was
 * written outside data/" can be checked on the parent too), with seeds (conversations, a config for a fake
 * provider) and the checks every family shares: do all conversations parse and validate, what stray files,
 * journals and locks are left, and what changed on disk between two snapshots.
 */
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import type { ConversationDoc } from '../../src/store/tree/document.js';
import { parseTree } from '../../src/store/tree/parse-tree.js';
export { seededRandom } from '../helpers/seeded-random.js';

export interface FaultRoot {
  /** The folder holding `root` and nothing else of ours. */
  parent: string;
  /** The project root (BRANCHFLOW_ROOT). */
  root: string;
  path(relativePath: string): string;
  write(relativePath: string, content: string | object): string;
  /** `data/conversations/<slug>/conversation.json` (+ settings.json); returns the root-relative path. */
  writeConversation(slug: string, doc: object, settings?: object): string;
  cleanup(): void;
}

export function createFaultRoot(prefix: string): FaultRoot {
  const parent = mkdtempSync(join(tmpdir(), `branchflow-faults-${prefix}-`));
  const root = join(parent, 'root');
  mkdirSync(join(root, 'data', 'conversations'), { recursive: true });
  mkdirSync(join(root, 'data', 'llm_configs'), { recursive: true });
  const path = (relativePath: string): string => join(root, relativePath);
  const write = (relativePath: string, content: string | object): string => {
    mkdirSync(dirname(path(relativePath)), { recursive: true });
    writeFileSync(path(relativePath), typeof content === 'string' ? content : JSON.stringify(content, null, 2) + '\n');
    return relativePath;
  };
  return {
    parent,
    root,
    path,
    write,
    writeConversation(slug, doc, settings) {
      const file = write(`data/conversations/${slug}/conversation.json`, doc);
      if (settings) write(`data/conversations/${slug}/settings.json`, settings);
      return file;
    },
    cleanup: () => rmSync(parent, { recursive: true, force: true }),
  };
}

/** A config for a fake OpenAI-compatible server; `api_key` is a placeholder so the key comes from the environment. */
export function fakeProviderConfig(baseUrl: string, extra: Record<string, unknown> = {}): object {
  return {
    name: 'Fake provider for the fault suite',
    provider: 'openai_compatible',
    base_url: baseUrl,
    api_key: '${FAULT_SUITE_KEY}',
    model: 'fault-model',
    timeout: 5,
    connect_timeout: 5,
    ...extra,
  };
}

/** A short chat: a system root and one user message, the active leaf. */
export function chatSeed(name: string): ConversationDoc {
  return {
    name,
    roots: ['s'],
    nodes: {
      s: { pid: null, role: 'system', content: 'You are part of a fault test.' },
      u: { pid: 's', role: 'user', content: `Hello from ${name}` },
    },
    active_path: ['s', 'u'],
  };
}

/** A chat as above plus a side branch of `kilobytes` one-kilobyte nodes: big enough for the store's writer thread. */
export function bigChatSeed(name: string, kilobytes: number): ConversationDoc {
  const doc = chatSeed(name);
  for (let index = 0; index < kilobytes; index++) {
    doc.nodes[`bulk${index}`] = { pid: 's', role: 'assistant', content: `bulk ${index} `.padEnd(1000, 'x') };
  }
  return doc;
}

export interface ConversationFolderState {
  /** Root-relative conversation files that parse and validate, with their trees. */
  valid: Map<string, ConversationDoc>;
  /** Conversation files that do not parse or validate. */
  invalid: { file: string; problem: string }[];
  /** Files left in a conversation folder that the engine does not leave there on purpose (temp files). */
  strays: string[];
  /** Generation journals still present. */
  journals: string[];
  /** Lock folders still present. */
  locks: string[];
}

const expectedNames = /^(conversation\.json|settings\.json|recovered-[A-Za-z0-9_-]+\.json|\.journal)$/;

/** Reads every conversation folder straight from disk, as a person would find it. */
export function inspectConversations(root: string): ConversationFolderState {
  const state: ConversationFolderState = { valid: new Map(), invalid: [], strays: [], journals: [], locks: [] };
  const conversations = join(root, 'data', 'conversations');
  for (const folder of readdirSync(conversations)) {
    const folderPath = join(conversations, folder);
    if (!lstatSync(folderPath).isDirectory()) continue;
    for (const name of readdirSync(folderPath)) {
      const relativePath = `data/conversations/${folder}/${name}`;
      if (name.endsWith('.lock')) state.locks.push(relativePath);
      else if (name === '.journal')
        state.journals.push(...readdirSync(join(folderPath, name)).map((journal) => `${relativePath}/${journal}`));
      else if (!expectedNames.test(name)) state.strays.push(relativePath);
    }
    const file = `data/conversations/${folder}/conversation.json`;
    let text: string;
    try {
      text = readFileSync(join(root, file), 'utf8');
    } catch {
      continue;
    }
    try {
      const parsed = parseTree(text);
      if (parsed.doc) state.valid.set(file, parsed.doc);
      else state.invalid.push({ file, problem: parsed.problem.message });
    } catch (error) {
      state.invalid.push({ file, problem: `the engine's own parser threw: ${(error as Error).message}` });
    }
  }
  return state;
}

/** Nodes whose meta names this generation. */
export function nodesOfGeneration(doc: ConversationDoc, generationId: string): string[] {
  return Object.entries(doc.nodes)
    .filter(([, node]) => (node['meta'] as { generation_id?: unknown } | undefined)?.generation_id === generationId)
    .map(([nodeId]) => nodeId);
}

export interface FileEntry {
  kind: 'file' | 'folder' | 'link' | 'other';
  size: number;
  modified: number;
  inode: number;
}

/** Every path under `folder` (links not followed), except those `skip` names (root-relative to `folder`). */
export function snapshot(folder: string, skip: (relativePath: string) => boolean = () => false): Map<string, FileEntry> {
  const entries = new Map<string, FileEntry>();
  const walk = (current: string): void => {
    for (const name of readdirSync(current)) {
      const absolute = join(current, name);
      const relativePath = relative(folder, absolute);
      if (skip(relativePath)) continue;
      const stats = lstatSync(absolute);
      const kind = stats.isSymbolicLink() ? 'link' : stats.isDirectory() ? 'folder' : stats.isFile() ? 'file' : 'other';
      entries.set(relativePath, {
        kind,
        size: kind === 'folder' ? 0 : stats.size,
        modified: kind === 'folder' ? 0 : stats.mtimeMs,
        inode: stats.ino,
      });
      if (kind === 'folder') walk(absolute);
    }
  };
  walk(folder);
  return entries;
}

/** Paths added, removed or changed between two snapshots, e.g. `added: x`, `changed: y`. */
export function snapshotChanges(before: Map<string, FileEntry>, after: Map<string, FileEntry>): string[] {
  const changes: string[] = [];
  for (const [path, entry] of after) {
    const old = before.get(path);
    if (!old) changes.push(`added: ${path}`);
    else if (JSON.stringify(old) !== JSON.stringify(entry)) changes.push(`changed: ${path}`);
  }
  for (const path of before.keys()) if (!after.has(path)) changes.push(`removed: ${path}`);
  return changes.sort();
}

/** A whole number from the environment (how long, how many), or the default the issue asks for. */
export function numberFromEnvironment(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text.trim() === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number; got "${text}"`);
  return value;
}

/** The seed for this run: FAULTS_SEED, or a fresh one that the family prints so the run can be repeated. */
export function runSeed(): number {
  const given = process.env['FAULTS_SEED'];
  return given !== undefined && given !== '' ? Number(given) : Math.floor(Math.random() * 2 ** 31);
}
