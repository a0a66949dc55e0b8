/**
 * @module Fault family 4, hand-edit races: while clients stream replies into a conversation on the real server
 * (a child process), a script edits the same file by hand, the three ways editors save: a temp file renamed
 * over it, truncate-and-rewrite in place, and a same-size overwrite of a few bytes in place. It counts what a
 * user would count: a reply or an edit is kept when it is in the file, or in a recovery file that the engine
 * told about (an error event of the reply's stream, or a watch event); anything else is lost, whatever caused it.
 * - An editor that read the file before a reply landed and writes its copy back removes the reply: the engine
 *   notices the removal of a node it saved, keeps it in a recovery file and says so (`nodes_removed_externally`).
 * - A save swaps the file in with a compare-and-swap (src/store/disk/atomic-write.ts), so an edit saved by rename
 *   is never lost. An in-place editor can still write into the version a save moved aside in that very instant
 *   (its own check-then-write race, which no writer can close); the save keeps that version open and looks at it
 *   again after 250 ms and 2 s, and an edit found there is kept and announced (`edit_written_aside`). That look
 *   sees a change by the file's size or modification time: on a kernel with coarse file timestamps (one tick,
 *   1 to 10 ms) a same-size overwrite in the same tick as the version's last write would go unseen; on this
 *   machine's kernel (fine-grained once looked at) 1,610 back-to-back writes in 200 ms gave 1,610 distinct times.
 * FAULTS_RACE_SECONDS sets how long the edits go on (default 15); FAULTS_SEED repeats a run.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { closeSync, fstatSync, ftruncateSync, openSync, readFileSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
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
  /** A same-size edit's `x_counter` value (each edit writes its own number, so a value names one edit). */
  counterValue?: string;
}

/** What the engine said it kept: a watch event's recovery file, read once the run is over. */
interface Announced {
  type: string;
  nodeIds: string[];
  recoveryFile: string;
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
  /** The `x_counter` the file should hold: the number of the last same-size edit written. */
  let counter = '0'.repeat(counterWidth);
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
        if (doc.x_counter !== counter) {
          if (counterEdit)
            lostEdits.set(
              counterEdit.number,
              `edit ${counterEdit.number} (same-size, x_counter ${counter}) was overwritten (found ${doc.x_counter})`,
            );
          counter = doc.x_counter ?? counter;
        }
        const number = edits.length + 1;
        const edit: Edit = { number, style, readNodes: new Set(Object.keys(doc.nodes)), writtenAt: 0, raced: false };
        let next: string;
        if (style === 'same-size overwrite in place') {
          edit.counterValue = String(number).padStart(counterWidth, '0');
          next = text.replace(`"x_counter": "${doc.x_counter}"`, `"x_counter": "${edit.counterValue}"`);
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
            counter = edit.counterValue!;
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

  // The user's view of the file: the watch stream, where the engine says what it kept and where.
  const announced: Announced[] = [];
  const stopWatching = new AbortController();
  const watching = recordSse(apiUrl(server.url, 'modules/chat_branches/watch', { file }), {
    signal: stopWatching.signal,
    onEvent: ({ data }) => {
      if (typeof data !== 'object' || typeof data['recovery_file'] !== 'string') return;
      announced.push({ type: String(data.type), nodeIds: data['node_ids'] as string[], recoveryFile: data['recovery_file'] });
    },
  });
  try {
    await new Promise((resolve) => setTimeout(resolve, 500)); // the watch is subscribed before the first edit
    await Promise.all([editor(), ...Array.from({ length: clientCount }, client)]);
    // Versions moved aside are looked at again up to 2 s after their save; the last watch events come then.
    await new Promise((resolve) => setTimeout(resolve, 3000));
  } finally {
    stopWatching.abort();
    await watching;
    await server.stop();
    await fake.close();
  }
  const kept = announced.map((item) => ({ ...item, record: readRecord(root.path(item.recoveryFile)) }));
  /** Whether an announced recovery file holds this edit (in what the edit changed, or in the edited version kept whole). */
  const editKept = (edit: Edit | undefined): boolean =>
    edit !== undefined &&
    kept.some(({ record }) => {
      const versions = [record?.['fields'], record?.['edited_version']].filter((value): value is Record<string, unknown> =>
        Boolean(value && typeof value === 'object'),
      );
      return versions.some((version) =>
        edit.counterValue !== undefined
          ? version['x_counter'] === edit.counterValue
          : Array.isArray(version['x_hand_edits']) && version['x_hand_edits'].includes(edit.number),
      );
    });
  /** Whether an announced recovery file holds this reply, whole. */
  const replyKept = (reply: Reply): boolean =>
    kept.some(
      ({ nodeIds, record }) =>
        nodeIds.includes(reply.nodeId) &&
        (record?.['nodes'] as Record<string, { content?: string }> | undefined)?.[reply.nodeId]?.content === reply.text,
    );

  const final = JSON.parse(readFileSync(root.path(file), 'utf8')) as ConversationDoc & { x_hand_edits: number[]; x_counter: string };
  const expected = edits.filter((edit) => edit.style !== 'same-size overwrite in place').map((edit) => edit.number);
  for (const number of expected.filter((value) => !final.x_hand_edits.includes(value))) {
    if (!lostEdits.has(number)) lostEdits.set(number, `edit ${number} is missing from the final file`);
  }
  if (final.x_counter !== counter && counterEdit) {
    lostEdits.set(counterEdit.number, `the final same-size edit ${counterEdit.number} (x_counter ${counter}) was overwritten`);
  }

  // An edit missing from the file is kept when a recovery file the engine announced holds it; otherwise it is lost.
  const keptAside = [...lostEdits.keys()].filter((number) => editKept(edits[number - 1]));
  const editsLost = [...lostEdits].filter(([number]) => !keptAside.includes(number));
  const issues: string[] = [
    ...corruption,
    ...editsLost.map(
      ([number, what]) =>
        `${what} (${edits[number - 1]?.raced ? 'written into a version moved aside' : 'otherwise'}), and no announced recovery file holds it`,
    ),
  ];
  let repliesLost = 0;
  let reported = 0;
  let keptFromStaleWrites = 0;
  for (const reply of replies.filter((candidate) => candidate.text !== '')) {
    const node = final.nodes[reply.nodeId];
    if (reply.saved) {
      if (node?.content === reply.text) continue;
      if (replyKept(reply)) {
        keptFromStaleWrites++;
        continue;
      }
      repliesLost++;
      issues.push(
        `reply ${reply.generationId} was reported saved as ${reply.nodeId}, is not in the file, and no announced recovery file holds it`,
      );
    } else if (reply.recoveryFile !== undefined) {
      const recovery = readRecord(root.path(reply.recoveryFile));
      if (recovery?.['content'] === reply.text) reported++;
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
  const editsSurvived = edits.length - editsLost.length;
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
      `${keptAside.length} of them in an announced recovery file (in-place edits written into a version a save had just moved aside), ` +
      `edits lost ${editsLost.length}; beside ${saved} saved replies: ${keptFromStaleWrites} removed by the editor's stale writes and ` +
      `kept in an announced recovery file, ${reported} that lost a race reported with a recovery file holding them; ` +
      `replies lost ${repliesLost}, files corrupted ${state.invalid.length} (seed ${seed})`,
  });
  assert.equal(issues, []);
  // Enough of both for the race to mean something, even on a loaded machine (a quiet one makes ~300 of each).
  assert.ok(edits.length >= 50, `only ${edits.length} edits were made`);
  assert.ok(saved >= 10, `only ${saved} replies were saved`);
});

/** A recovery file's record, or undefined when it is missing or not JSON. */
function readRecord(path: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

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
