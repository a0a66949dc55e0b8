/**
 * @module Fault family 3, disk faults: writes fail because the disk is full (a small tmpfs, when the suite runs
 * as root and may mount one) or read-only (the tmpfs remounted read-only; a folder without write permission
 * when not root). Each time: a clear error that names the file and the cause, the original file byte-for-byte
 * intact, no temp file left behind, and once there is room again the engine works on. A streamed reply that
 * cannot be saved is reported, and is where the report says it is.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine, type Engine } from '../../src/engine.js';
import { startServer, type RunningServer } from '../../src/http/index.js';
import { createLogger } from '../../src/lib/logger.js';
import { startFakeOpenAi, type FakeServer } from '../helpers/fake-openai.js';
import { recordFigures } from './fault-figures.js';
import { bigChatSeed, chatSeed, createFaultRoot, fakeProviderConfig, inspectConversations, type FaultRoot } from './fault-root.js';
import { apiUrl, eventsOfType, recordSse, streamedText } from './stream-recorder.js';

const test = suite('fault family 3: disk faults');

const isRoot = process.getuid?.() === 0;
const results: { name: string; survived: boolean; repliesLost: number; filesCorrupted: number }[] = [];
let fake: FakeServer;
let diskKind = '';

test.before(async () => {
  fake = await startFakeOpenAi();
});

test.after(async () => {
  await fake.close();
  const survived = results.filter((result) => result.survived).length;
  const lost = results.reduce((sum, result) => sum + result.repliesLost, 0);
  const corrupted = results.reduce((sum, result) => sum + result.filesCorrupted, 0);
  recordFigures({
    family: 3,
    name: 'disk faults',
    faults: results.length,
    survived,
    badInputs: 0,
    repliesLost: lost,
    filesCorrupted: corrupted,
    line: `disk faults (${diskKind}): ${survived}/${results.length} failing writes survived with a clear error, the original intact, no temp file left; replies lost ${lost}, files corrupted ${corrupted}`,
  });
});

/** A root on a disk of its own: a tmpfs of `kilobytes` when root may mount one, else a plain folder (undefined mount). */
interface Disk {
  root: FaultRoot;
  mounted: boolean;
  engine: Engine;
  server: RunningServer;
  logs: string[];
  restart(): Promise<void>;
  close(): Promise<void>;
}

async function openDisk(kilobytes: number, seed: (root: FaultRoot) => void): Promise<Disk> {
  const root = createFaultRoot('disk');
  rmSync(root.root, { recursive: true, force: true });
  mkdirSync(root.root);
  const mounted = isRoot && tryExec('mount', ['-t', 'tmpfs', '-o', `size=${kilobytes}k`, 'tmpfs', root.root]);
  mkdirSync(root.path('data/conversations'), { recursive: true });
  mkdirSync(root.path('data/llm_configs'), { recursive: true });
  root.write('data/llm_configs/fake.json', fakeProviderConfig(fake.baseUrl, { max_retries: 0 }));
  seed(root);
  const logs: string[] = [];
  const logger = createLogger({ level: 'debug', write: (line) => logs.push(line) });
  const disk = { root, mounted, logs } as Disk;
  const open = async (): Promise<void> => {
    disk.engine = await createEngine({
      root: root.root,
      logger,
      env: { FAULT_SUITE_KEY: 'sk-fault-suite-disk-key' },
      checkpointIntervalMs: 50,
    });
    disk.server = await startServer({ registry: disk.engine.api, logger, port: 0, onShutdown: () => disk.engine.close() });
  };
  await open();
  disk.restart = async () => {
    await disk.server.close();
    await open();
  };
  disk.close = async () => {
    await disk.server.close();
    if (mounted) tryExec('umount', [root.root]);
    root.cleanup();
  };
  return disk;
}

function tryExec(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Fills the disk of `folder` until `leaveBytes` are free (tmpfs counts whole 4 KiB pages). */
function fillDisk(folder: string, leaveBytes: number): void {
  const stats = statfsSync(folder);
  const free = stats.bavail * stats.bsize;
  try {
    writeFileSync(join(folder, 'filler'), Buffer.alloc(Math.max(0, free - leaveBytes)));
  } catch (error) {
    // The server wrote meanwhile, so fewer bytes were free than measured: the filler took the rest, the disk is full.
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  }
}

function emptyFiller(folder: string): void {
  rmSync(join(folder, 'filler'), { force: true });
}

async function post(
  disk: Disk,
  path: string,
  body: unknown,
): Promise<{ status: number; body: { success?: boolean; error?: { code: string; message: string } } }> {
  const response = await fetch(`${disk.server.url}/api/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { success?: boolean; error?: { code: string; message: string } } };
}

/** The checks every scenario shares; returns what went wrong. */
function checkIntact(disk: Disk, file: string, before: Buffer): string[] {
  const issues: string[] = [];
  if (!readFileSync(disk.root.path(file)).equals(before)) issues.push(`${file} changed although the write failed`);
  const state = inspectConversations(disk.root.root);
  for (const invalid of state.invalid) issues.push(`${invalid.file} does not parse or validate: ${invalid.problem}`);
  if (state.strays.length > 0) issues.push(`half-written files left behind: ${state.strays.join(', ')}`);
  return issues;
}

function clearError(message: string | undefined, file: string, cause: RegExp): string[] {
  if (message === undefined) return ['no error message'];
  const issues: string[] = [];
  if (!message.includes(file)) issues.push(`the error does not name ${file}: "${message}"`);
  if (!cause.test(message)) issues.push(`the error does not say what is wrong (${cause}): "${message}"`);
  if (/\/tmp\/|branchflow-faults-/.test(message)) issues.push(`the error shows a server path: "${message}"`);
  return issues;
}

const diskFull = /disk is full|no space left/i;
const readOnly = /read-only|permission denied/i;

async function scenario(
  name: string,
  run: () => Promise<{ issues: string[]; repliesLost?: number; filesCorrupted?: number }>,
): Promise<void> {
  const { issues, repliesLost = 0, filesCorrupted = 0 } = await run();
  results.push({ name, survived: issues.length === 0, repliesLost, filesCorrupted });
  assert.equal(issues, [], name);
}

/** Append on a conversation of `kilobytes`, with `leaveBytes` free: too little for the rewrite, not for nothing. */
async function appendOnFullDisk(kilobytes: number, leaveBytes: number): Promise<{ issues: string[]; filesCorrupted: number }> {
  let file = '';
  const disk = await openDisk(Math.max(1024, kilobytes * 4), (root) => {
    file = root.writeConversation('full', bigChatSeed('full', kilobytes), { llm_config: 'data/llm_configs/fake.json' });
  });
  try {
    const before = readFileSync(disk.root.path(file));
    fillDisk(disk.root.root, leaveBytes);
    const append = { file, pid: 'u', role: 'user', content: 'x'.repeat(2000), return_mode: 'none' };
    const failed = await post(disk, 'modules/chat_branches/append_message', append);
    const issues = [
      ...(failed.status >= 200 && failed.status < 300 ? [`the append answered ${failed.status} on a full disk`] : []),
      ...clearError(failed.body.error?.message, file, diskFull),
      ...checkIntact(disk, file, before),
    ];
    const corrupted = inspectConversations(disk.root.root).invalid.length;
    emptyFiller(disk.root.root);
    const retried = await post(disk, 'modules/chat_branches/append_message', append);
    if (retried.status !== 200) issues.push(`with room again the append answered ${retried.status}: ${JSON.stringify(retried.body)}`);
    return { issues, filesCorrupted: corrupted };
  } finally {
    await disk.close();
  }
}

test('a full disk: an append to a small conversation fails clearly and leaves the file as it was', async () => {
  if (!isRoot) return;
  diskKind = 'a small tmpfs, filled';
  await scenario('append, small file, disk full', () => appendOnFullDisk(40, 0));
});

test('too little room for the rewrite: the short write never replaces the conversation', async () => {
  if (!isRoot) return;
  await scenario('append, small file, room for part of the rewrite', () => appendOnFullDisk(200, 64 * 1024));
});

test('too little room for the rewrite of a big conversation (writer thread): the file stays whole', async () => {
  if (!isRoot) return;
  await scenario('append, big file, room for part of the rewrite', () => appendOnFullDisk(320, 96 * 1024));
});

test('create_conversation on a full disk fails clearly and leaves no half-made folder', async () => {
  if (!isRoot) return;
  await scenario('create_conversation, disk full', async () => {
    const disk = await openDisk(1024, () => undefined);
    try {
      fillDisk(disk.root.root, 0);
      const failed = await post(disk, 'modules/chat_branches/create_conversation', { name: 'Full disk', system_prompt: 'x'.repeat(8000) });
      const issues = [
        ...(failed.status === 200 ? ['create_conversation answered 200 on a full disk'] : []),
        ...clearError(failed.body.error?.message, 'data/conversations/Full disk/', diskFull),
      ];
      const state = inspectConversations(disk.root.root);
      if (state.valid.size + state.invalid.length > 0 || state.strays.length > 0) {
        issues.push(
          `a failed create left files: ${[...state.valid.keys(), ...state.invalid.map((entry) => entry.file), ...state.strays].join(', ')}`,
        );
      }
      return { issues, filesCorrupted: state.invalid.length };
    } finally {
      await disk.close();
    }
  });
});

test('the disk fills while a reply streams: the reply is reported and is where the report says', async () => {
  if (!isRoot) return;
  await scenario('streamed reply, disk fills mid-stream', async () => {
    let file = '';
    const disk = await openDisk(1024, (root) => {
      file = root.writeConversation('midstream', bigChatSeed('midstream', 100), { llm_config: 'data/llm_configs/fake.json' });
    });
    try {
      const before = readFileSync(disk.root.path(file));
      // Pieces bigger than a page, so the journal needs new pages after the disk is full.
      fake.defaultReply = { chunks: Array.from({ length: 20 }, (_, index) => `piece${index} `.padEnd(2500, '.')), chunkDelayMs: 20 };
      let filled = false;
      const stream = await recordSse(
        apiUrl(disk.server.url, 'workflow/chat_completion/complete_stream', { conversation_file: file, include_doc: false }),
        {
          onEvent: ({ data }) => {
            // The journal has its header and first text; from here on nothing more fits.
            if (!filled && typeof data === 'object' && data.type === 'chunk') {
              filled = true;
              setTimeout(() => fillDisk(disk.root.root, 0), 60);
            }
          },
        },
      );
      const text = streamedText(stream);
      const error = eventsOfType(stream, 'error')[0];
      const issues = [...clearError(error ? String(error['message']) : undefined, file, diskFull), ...checkIntact(disk, file, before)];
      if (eventsOfType(stream, 'saved').length > 0) issues.push('a reply was reported saved on a full disk');
      // Room again, and a restart: start-up recovery must bring back what the report promised.
      emptyFiller(disk.root.root);
      await disk.restart();
      const recoveredDoc = JSON.parse(readFileSync(disk.root.path(file), 'utf8')) as {
        nodes: Record<string, { content: string; meta?: { partial?: boolean } }>;
      };
      const start = eventsOfType(stream, 'start')[0];
      const node = recoveredDoc.nodes[String(start?.['node_id'])];
      const recoveryFiles = inspectConversations(disk.root.root).valid.size;
      let repliesLost = 0;
      if (node === undefined) {
        repliesLost = 1;
        issues.push(
          `after room came back and a restart, the reply is not in ${file} (the error said: ${String(error?.['message'])}; recovery files: ${recoveryFiles})`,
        );
      } else if (node.content !== text) {
        repliesLost = 1;
        issues.push(`the recovered reply holds ${node.content.length} of the ${text.length} characters the client saw`);
      } else if (node.meta?.partial !== true) {
        issues.push('the recovered reply is not marked partial');
      }
      return { issues, repliesLost };
    } finally {
      fake.defaultReply = {};
      await disk.close();
    }
  });
});

test('a read-only disk: appends and replies fail clearly and change nothing', async () => {
  if (!isRoot) return;
  await scenario('read-only file system', async () => {
    let file = '';
    const disk = await openDisk(1024, (root) => {
      file = root.writeConversation('readonly', chatSeed('readonly'), { llm_config: 'data/llm_configs/fake.json' });
    });
    try {
      const before = readFileSync(disk.root.path(file));
      if (!tryExec('mount', ['-o', 'remount,ro', disk.root.root])) return { issues: ['could not remount the tmpfs read-only'] };
      const append = await post(disk, 'modules/chat_branches/append_message', {
        file,
        pid: 'u',
        role: 'user',
        content: 'hi',
        return_mode: 'none',
      });
      const stream = await recordSse(
        apiUrl(disk.server.url, 'workflow/chat_completion/complete_stream', { conversation_file: file, include_doc: false }),
      );
      const streamError =
        stream.status === 200
          ? eventsOfType(stream, 'error')[0]?.['message']
          : (JSON.parse(stream.text) as { error?: { message?: string } }).error?.message;
      tryExec('mount', ['-o', 'remount,rw', disk.root.root]);
      return {
        issues: [
          ...clearError(append.body.error?.message, file, readOnly),
          ...clearError(streamError === undefined ? undefined : String(streamError), file, readOnly),
          ...checkIntact(disk, file, before),
        ],
      };
    } finally {
      await disk.close();
    }
  });
});

test('a folder without write permission (not root): appends fail clearly and change nothing', async () => {
  if (isRoot) return;
  diskKind = 'a read-only folder (not root, so no tmpfs)';
  await scenario('read-only folder', async () => {
    let file = '';
    const disk = await openDisk(1024, (root) => {
      file = root.writeConversation('readonly', chatSeed('readonly'), { llm_config: 'data/llm_configs/fake.json' });
    });
    const folder = disk.root.path('data/conversations/readonly');
    try {
      const before = readFileSync(disk.root.path(file));
      chmodSync(folder, 0o555);
      const append = await post(disk, 'modules/chat_branches/append_message', {
        file,
        pid: 'u',
        role: 'user',
        content: 'hi',
        return_mode: 'none',
      });
      chmodSync(folder, 0o755);
      return { issues: [...clearError(append.body.error?.message, file, readOnly), ...checkIntact(disk, file, before)] };
    } finally {
      chmodSync(folder, 0o755);
      await disk.close();
    }
  });
});

test.run();
