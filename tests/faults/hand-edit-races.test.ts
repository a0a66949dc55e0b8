/**
 * @module Fault family 4, hand-edit races: while clients stream replies into a conversation on the real server
 * (a child process), a script edits the same file by hand, the three ways editors save: a temp file renamed
 * over it, truncate-and-rewrite in place, and a same-size overwrite of a few bytes in place. Every edit is
 * checked to have survived (the next edit reads the file and finds all earlier ones); every reply is either in
 * the file or reported (an error event naming a recovery file that holds it). Nothing may vanish silently.
 * A save swaps the file in with a compare-and-swap (src/store/atomic-write.ts), so an edit saved by rename is
 * never lost; an in-place editor can still write into the version a save moved aside in that very instant (its
 * own check-then-write race, which no writer can close), and such an edit is told apart at once: right after
 * it, the file is no longer the one it wrote into.
 * FAULTS_RACE_SECONDS sets how long the edits go on (default 15).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  closeSync,
  existsSync,
  fstatSync,
  ftruncateSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import type { ConversationDoc } from '../../src/store/tree/document.js';
import { startFakeOpenAi } from '../helpers/fake-openai.js';
import { recordFigures } from './fault-figures.js';
import {
  chatSeed,
  createFaultRoot,
  fakeProviderConfig,
  inspectConversations,
  numberFromEnvironment,
  runSeed,
  seededRandom,
} from './fault-root.js';
import { startServerProcess } from './server-process.js';
import { apiUrl, eventsOfType, recordSse, streamedText } from './stream-recorder.js';

const test = suite('fault family 4: hand-edit races');

const seconds = numberFromEnvironment('FAULTS_RACE_SECONDS', 15);
const seed = runSeed();
const clientCount = 4;
const counterWidth = 8;

type EditStyle = 'temp file renamed over' | 'truncated and rewritten in place' | 'same-size overwrite in place';

interface Edit {
  number: number;
  style: EditStyle;
  /** Node ids in the version the editor read, and when the write finished. */
  readNodes: Set<string>;
  writtenAt: number;
  /** In place, and the file was no longer the one written into right after: a save had moved it aside. */
  raced: boolean;
}

interface Reply {
  generationId: string;
  nodeId: string;
  text: string;
  startedAt: number;
  saved: boolean;
  recoveryFile?: string;
}

test('hand edits and streamed replies on one file: both survive, or the loser is reported', async () => {
  const random = seededRandom(seed);
  const fake = await startFakeOpenAi();
  fake.defaultReply = { chunks: ['Racing ', 'the ', 'editor ', 'again.'], chunkDelayMs: 5 };
  const root = createFaultRoot('race');
  const config = root.write('data/llm_configs/fake.json', fakeProviderConfig(fake.baseUrl));
  const seedDoc = { ...chatSeed('race'), x_hand_edits: [] as number[], x_counter: '0'.repeat(counterWidth) };
  const file = root.writeConversation('race', seedDoc, { llm_config: config });
  const server = await startServerProcess({ root: root.root, env: { FAULT_SUITE_KEY: 'sk-fault-suite-race-key', LOG_LEVEL: 'warn' } });

  const edits: Edit[] = [];
  /** Edits found overwritten, by number, with how they were found; `corruption` for a file that would not parse. */
  const lostEdits = new Map<number, string>();
  const corruption: string[] = [];
  let counterEdit: Edit | undefined;
  const replies: Reply[] = [];
  let counter = 0;
  let editing = true;
  const deadline = Date.now() + seconds * 1000;

  const editor = async (): Promise<void> => {
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5 + random() * 40));
      const style: EditStyle = (['temp file renamed over', 'truncated and rewritten in place', 'same-size overwrite in place'] as const)[
        Math.floor(random() * 3)
      ]!;
      // In-place editors keep the file open: what they read and what they write is the same file (inode).
      const handle = openExisting(root.path(file), style === 'temp file renamed over' ? 'r' : 'r+');
      if (handle === undefined) continue; // away for the instant of a swap: try again
      try {
        const text = readFileSync(handle, 'utf8');
        let doc: ConversationDoc & { x_hand_edits?: number[]; x_counter?: string };
        try {
          doc = JSON.parse(text) as typeof doc;
        } catch (error) {
          corruption.push(`the editor found the file invalid: ${(error as Error).message}`);
          continue;
        }
        // Every earlier edit must still be there: the engine may not have written over one of them.
        const expected = edits.filter((edit) => edit.style !== 'same-size overwrite in place').map((edit) => edit.number);
        for (const number of expected.filter((value) => !doc.x_hand_edits?.includes(value))) {
          if (!lostEdits.has(number)) lostEdits.set(number, `edit ${number} (${edits[number - 1]?.style}) was overwritten`);
        }
        if (doc.x_counter !== String(counter).padStart(counterWidth, '0')) {
          if (counterEdit)
            lostEdits.set(
              counterEdit.number,
              `edit ${counterEdit.number} (same-size, x_counter ${counter}) was overwritten (found ${doc.x_counter})`,
            );
          counter = Number(doc.x_counter);
        }
        const number = edits.length + 1;
        const edit: Edit = { number, style, readNodes: new Set(Object.keys(doc.nodes)), writtenAt: 0, raced: false };
        let next: string;
        if (style === 'same-size overwrite in place') {
          next = text.replace(
            `"x_counter": "${doc.x_counter}"`,
            `"x_counter": "${String((counter + 1) % 10 ** counterWidth).padStart(counterWidth, '0')}"`,
          );
        } else {
          doc.x_hand_edits = [...(doc.x_hand_edits ?? []), number];
          doc.nodes[`hand${number}`] = { pid: 's', role: 'user', content: `hand edit ${number}` };
          next = JSON.stringify(doc, null, 2) + '\n';
        }
        // Like an editor that warns "the file changed since reading", give up when it did.
        if (style === 'temp file renamed over') {
          writeFileSync(root.path(`${file}.swp`), next);
          if (readIfThere(root.path(file)) !== text) continue;
          renameSync(root.path(`${file}.swp`), root.path(file));
        } else {
          if (readIfThere(root.path(file)) !== text || !sameFile(handle, root.path(file))) continue;
          if (style === 'truncated and rewritten in place') ftruncateSync(handle, 0);
          writeSync(handle, next, 0);
          if (style === 'same-size overwrite in place') {
            counter = (counter + 1) % 10 ** counterWidth;
            counterEdit = edit;
          }
        }
        edit.writtenAt = Date.now();
        edits.push(edit);
        edit.raced = style !== 'temp file renamed over' && !sameFile(handle, root.path(file));
      } finally {
        closeSync(handle);
      }
    }
    editing = false;
  };

  const client = async (): Promise<void> => {
    while (editing) {
      const reply: Partial<Reply> = { text: '', saved: false };
      const stream = await recordSse(
        apiUrl(server.url, 'workflow/chat_completion/complete_stream', { conversation_file: file, include_doc: false }),
      );
      const start = eventsOfType(stream, 'start')[0];
      if (start === undefined) {
        // Refused before it began (the file was mid-edit): an ordinary, reported error; nothing was generated.
        await new Promise((resolve) => setTimeout(resolve, 10));
        continue;
      }
      reply.generationId = String(start['generation_id']);
      reply.nodeId = String(start['node_id']);
      reply.startedAt = stream.events[0]!.at;
      reply.text = streamedText(stream);
      reply.saved = eventsOfType(stream, 'saved').length > 0;
      const recoveryFile = eventsOfType(stream, 'error')[0]?.['recovery_file'];
      if (typeof recoveryFile === 'string') reply.recoveryFile = recoveryFile;
      replies.push(reply as Reply);
    }
  };

  try {
    await Promise.all([editor(), ...Array.from({ length: clientCount }, client)]);
  } finally {
    await server.stop();
    await fake.close();
  }

  const final = JSON.parse(readFileSync(root.path(file), 'utf8')) as ConversationDoc & { x_hand_edits: number[]; x_counter: string };
  const expected = edits.filter((edit) => edit.style !== 'same-size overwrite in place').map((edit) => edit.number);
  for (const number of expected.filter((value) => !final.x_hand_edits.includes(value))) {
    if (!lostEdits.has(number)) lostEdits.set(number, `edit ${number} is missing from the final file`);
  }
  if (final.x_counter !== String(counter).padStart(counterWidth, '0') && counterEdit) {
    lostEdits.set(counterEdit.number, `the final same-size edit ${counterEdit.number} (x_counter ${counter}) was overwritten`);
  }

  // An in-place edit written into a version a save had just moved aside is the in-place editor's own race;
  // any other lost edit means the engine wrote over a version it had not read.
  const simultaneous = [...lostEdits.keys()].filter((number) => edits[number - 1]?.raced === true);
  const issues: string[] = [...corruption, ...[...lostEdits].filter(([number]) => !simultaneous.includes(number)).map(([, what]) => what)];
  let repliesLost = 0;
  let reported = 0;
  let editorsLostUpdates = 0;
  for (const reply of replies.filter((candidate) => candidate.text !== '')) {
    const node = final.nodes[reply.nodeId];
    if (reply.saved) {
      if (node?.content === reply.text) continue;
      // Only an edit that read the file before this reply landed, and wrote after it began, could have dropped it.
      const editorDroppedIt = edits.some(
        (edit) => !edit.readNodes.has(reply.nodeId) && edit.writtenAt >= reply.startedAt && edit.style !== 'same-size overwrite in place',
      );
      if (editorDroppedIt) {
        editorsLostUpdates++;
        continue;
      }
      repliesLost++;
      issues.push(`reply ${reply.generationId} was reported saved as ${reply.nodeId} but is not in the file`);
    } else if (reply.recoveryFile !== undefined) {
      const recovery = existsSync(root.path(reply.recoveryFile))
        ? (JSON.parse(readFileSync(root.path(reply.recoveryFile), 'utf8')) as { content?: string })
        : undefined;
      if (recovery?.content === reply.text) reported++;
      else {
        repliesLost++;
        issues.push(`reply ${reply.generationId} was reported in ${reply.recoveryFile}, which does not hold it`);
      }
    } else {
      repliesLost++;
      issues.push(`reply ${reply.generationId} was neither saved nor reported`);
    }
  }
  const state = inspectConversations(root.root);
  for (const invalid of state.invalid) issues.push(`${invalid.file} was left invalid: ${invalid.problem}`);
  root.cleanup();

  const saved = replies.filter((reply) => reply.saved).length;
  const editsSurvived = edits.length - lostEdits.size;
  recordFigures({
    family: 4,
    name: 'hand-edit races',
    faults: edits.length,
    survived: editsSurvived,
    badInputs: 0,
    repliesLost,
    filesCorrupted: state.invalid.length,
    line:
      `hand-edit races: ${editsSurvived}/${edits.length} hand edits (temp+rename, in-place rewrite, same-size in place) survived, ` +
      `${simultaneous.length} in-place edits written into a version a save had just moved aside (the editor's own check-then-write race), ` +
      `${lostEdits.size - simultaneous.length} otherwise, ` +
      `beside ${saved} saved replies; ${reported} replies that lost a race were reported with a recovery file holding them; ` +
      `${editorsLostUpdates} replies overwritten by the editor's own stale write; replies lost ${repliesLost}, files corrupted ${state.invalid.length} (seed ${seed})`,
  });
  assert.equal(issues, []);
  // Enough of both for the race to mean something, even on a loaded machine (a quiet one makes ~300 of each).
  assert.ok(edits.length >= 50, `only ${edits.length} edits were made`);
  assert.ok(saved >= 10, `only ${saved} replies were saved`);
});

/** Opens the file, or undefined while it is away for the instant a save swaps it in. */
function openExisting(path: string, flags: string): number | undefined {
  try {
    return openSync(path, flags);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function readIfThere(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Whether the open file is still the one at `path` (not replaced or moved aside since it was opened). */
function sameFile(handle: number, path: string): boolean {
  try {
    return fstatSync(handle).ino === statSync(path).ino;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

test.run();
