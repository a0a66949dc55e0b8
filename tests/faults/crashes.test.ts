/**
 * @module Fault family 1, crashes: the real server (a child process) is killed with SIGKILL at random moments
 * while clients stream replies into small and big conversations, half of the kills aimed just after a reply
 * finished streaming (while it is being saved). After each restart (start-up recovery included): every
 * conversation parses and validates, every reply reported `saved` is there with the text the client saw,
 * every interrupted reply older than the checkpoint window is there and marked partial, no reply is there twice.
 * FAULTS_CRASH_KILLS sets the number of kills (default 50, split over two servers that run side by side).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConversationDoc } from '../../src/store/tree/document.js';
import { startFakeOpenAi, type FakeServer } from '../helpers/fake-openai.js';
import { recordFigures } from './fault-figures.js';
import {
  bigChatSeed,
  chatSeed,
  createFaultRoot,
  fakeProviderConfig,
  inspectConversations,
  nodesOfGeneration,
  numberFromEnvironment,
  runSeed,
  seededRandom,
  type FaultRoot,
} from './fault-root.js';
import { startServerProcess, type ServerProcess } from './server-process.js';
import { apiUrl, recordSse } from './stream-recorder.js';

const test = suite('fault family 1: crashes');

const killCount = numberFromEnvironment('FAULTS_CRASH_KILLS', 50);
const laneCount = 2;
const clientsPerLane = 5;
/** The journal is fsync'd this often; text older than the window below must survive a kill. */
const checkpointMs = 150;
const checkpointGraceMs = 1500;
const seed = runSeed();
const replyChunks = Array.from({ length: 40 }, (_, index) => `word${index} `);
const fullReply = replyChunks.join('');

interface ObservedGeneration {
  generationId: string;
  file: string;
  nodeId: string;
  text: string;
  firstChunkAt?: number;
  savedNodeId?: string;
}

interface LaneFigures {
  kills: number;
  survived: number;
  savedReplies: number;
  partialsRecovered: number;
  repliesLost: number;
  lostInsideWindow: number;
  filesCorrupted: number;
  issues: string[];
}

test('SIGKILL at random moments during streaming and saving loses no saved reply and corrupts no file', async () => {
  const fake = await startFakeOpenAi();
  fake.defaultReply = { chunks: replyChunks, firstChunkDelayMs: 5, chunkDelayMs: 12, usage: { prompt: 10, completion: 40 } };
  const perLane = Array.from(
    { length: laneCount },
    (_, lane) => Math.floor(killCount / laneCount) + (lane < killCount % laneCount ? 1 : 0),
  );
  let lanes: LaneFigures[];
  try {
    lanes = await Promise.all(perLane.map((kills, lane) => runLane(lane, kills, fake)));
  } finally {
    await fake.close();
  }
  const total = (pick: (lane: LaneFigures) => number): number => lanes.reduce((sum, lane) => sum + pick(lane), 0);
  const figures = {
    kills: total((lane) => lane.kills),
    survived: total((lane) => lane.survived),
    saved: total((lane) => lane.savedReplies),
    partials: total((lane) => lane.partialsRecovered),
    lost: total((lane) => lane.repliesLost),
    window: total((lane) => lane.lostInsideWindow),
    corrupted: total((lane) => lane.filesCorrupted),
  };
  recordFigures({
    family: 1,
    name: 'crashes',
    faults: figures.kills,
    survived: figures.survived,
    badInputs: 0,
    repliesLost: figures.lost,
    filesCorrupted: figures.corrupted,
    line:
      `crashes: ${figures.survived}/${figures.kills} SIGKILLs survived; ${figures.saved} replies reported saved, all present; ` +
      `${figures.partials} interrupted replies recovered and marked partial; ${figures.window} cut less than ${checkpointGraceMs / 1000} s after their ` +
      `first token, within what a crash may cost (not counted as lost); ` +
      `replies lost ${figures.lost}, files corrupted ${figures.corrupted} (seed ${seed})`,
  });
  assert.equal(
    lanes.flatMap((lane) => lane.issues),
    [],
  );
  assert.is(figures.survived, figures.kills);
});

async function runLane(lane: number, kills: number, fake: FakeServer): Promise<LaneFigures> {
  const random = seededRandom(seed + lane);
  const root = createFaultRoot(`crash${lane}`);
  const figures: LaneFigures = {
    kills,
    survived: 0,
    savedReplies: 0,
    partialsRecovered: 0,
    repliesLost: 0,
    lostInsideWindow: 0,
    filesCorrupted: 0,
    issues: [],
  };
  const config = root.write('data/llm_configs/fake.json', fakeProviderConfig(fake.baseUrl));
  const files = [
    ...['one', 'two', 'three'].map((slug) => root.writeConversation(slug, chatSeed(slug), { llm_config: config })),
    // Above the store's 256 KiB threshold: parsed and written on the writer thread, a longer save to land a kill in.
    root.writeConversation('big', bigChatSeed('big', 320), { llm_config: config }),
  ];
  const saved = new Map<string, ObservedGeneration>();
  const recovered = new Set<string>();
  const environment = { BRANCHFLOW_CHECKPOINT_MS: String(checkpointMs), LOG_LEVEL: 'warn', FAULT_SUITE_KEY: 'sk-fault-suite-crash-key' };
  try {
    let previous: { generations: ObservedGeneration[]; killedAt: number } | undefined;
    for (let kill = 0; kill <= kills; kill++) {
      const server = await startServerProcess({ root: root.root, env: environment });
      if (previous) {
        const issues = checkAfterRestart(root, previous.generations, previous.killedAt, saved, recovered, figures);
        if (issues.length === 0) figures.survived++;
        else figures.issues.push(...issues.map((issue) => `lane ${lane}, after kill ${kill}: ${issue}`));
      }
      if (kill === kills) {
        // The last restart proved recovery; a graceful stop must not leave a journal, lock or temp file of its own.
        const before = leftovers(root);
        await server.stop();
        const added = leftovers(root).filter((path) => !before.includes(path));
        if (added.length > 0) figures.issues.push(`lane ${lane}, after a graceful stop: left behind ${added.join(', ')}`);
        break;
      }
      previous = await streamUntilKilled(server, files, random);
      for (const generation of previous.generations)
        if (generation.savedNodeId !== undefined) saved.set(generation.generationId, generation);
    }
  } finally {
    root.cleanup();
  }
  figures.savedReplies = saved.size;
  return figures;
}

/** Journals, locks and temp files in the conversation folders. */
function leftovers(root: FaultRoot): string[] {
  const state = inspectConversations(root.root);
  return [...state.journals, ...state.locks, ...state.strays];
}

/** Clients stream replies in a loop until the server is killed, at a random moment or just after a reply finished. */
async function streamUntilKilled(
  server: ServerProcess,
  files: string[],
  random: () => number,
): Promise<{ generations: ObservedGeneration[]; killedAt: number }> {
  const generations: ObservedGeneration[] = [];
  let killedAt = 0;
  let killing: Promise<void> | undefined;
  const killNow = (): Promise<void> => {
    killing ??= (async () => {
      killedAt = Date.now();
      await server.kill();
    })();
    return killing;
  };
  const aimAtSave = random() < 0.5;
  const armedAt = Date.now() + 100 + random() * (aimAtSave ? 900 : 1900);
  const saveDelay = random() * 25;
  if (!aimAtSave) setTimeout(() => void killNow(), armedAt - Date.now());
  // A backstop: if no reply finishes in time, kill anyway.
  const backstop = setTimeout(() => void killNow(), 6000);

  const client = async (): Promise<void> => {
    while (killing === undefined) {
      const file = files[Math.floor(random() * files.length)]!;
      const observed: Partial<ObservedGeneration> = { text: '' };
      const stream = await recordSse(
        apiUrl(server.url, 'workflow/chat_completion/complete_stream', { conversation_file: file, include_doc: false }),
        {
          onEvent: ({ data, at }) => {
            if (typeof data !== 'object') return;
            if (data.type === 'start') {
              observed.generationId = String(data['generation_id']);
              observed.file = String(data['conversation_file']);
              observed.nodeId = String(data['node_id']);
              generations.push(observed as ObservedGeneration);
            } else if (data.type === 'chunk') {
              observed.firstChunkAt ??= at;
              observed.text += String(data['content']);
            } else if (data.type === 'saved') {
              observed.savedNodeId = String(data['node_id']);
            } else if (data.type === 'finish' && aimAtSave && Date.now() >= armedAt) {
              setTimeout(() => void killNow(), saveDelay);
            }
          },
        },
      );
      if (stream.stop === 'failed') return;
      if (stream.status !== 200) await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  await Promise.all(Array.from({ length: clientsPerLane }, client));
  clearTimeout(backstop);
  await killNow();
  return { generations, killedAt };
}

function checkAfterRestart(
  root: FaultRoot,
  generations: ObservedGeneration[],
  killedAt: number,
  saved: Map<string, ObservedGeneration>,
  recovered: Set<string>,
  figures: LaneFigures,
): string[] {
  const issues: string[] = [];
  const state = inspectConversations(root.root);
  figures.filesCorrupted += state.invalid.length;
  for (const { file, problem } of state.invalid) issues.push(`${file} does not parse or validate: ${problem}`);
  if (state.journals.length > 0) issues.push(`journals left after start-up recovery: ${state.journals.join(', ')}`);
  const docOf = (file: string): ConversationDoc | undefined => state.valid.get(file);

  for (const generation of saved.values()) {
    const node = docOf(generation.file)?.nodes[generation.savedNodeId!];
    if (node?.content !== generation.text) {
      figures.repliesLost++;
      issues.push(
        `reply ${generation.generationId} was reported saved as ${generation.savedNodeId} in ${generation.file} but is ${node ? 'different' : 'missing'}`,
      );
    }
  }
  for (const generation of generations) {
    const doc = docOf(generation.file);
    if (!doc) continue;
    const nodeIds = nodesOfGeneration(doc, generation.generationId);
    if (nodeIds.length > 1)
      issues.push(`generation ${generation.generationId} is saved ${nodeIds.length} times in ${generation.file}: ${nodeIds.join(', ')}`);
    if (generation.savedNodeId !== undefined) continue;
    const node = nodeIds.length > 0 ? doc.nodes[nodeIds[0]!] : undefined;
    if (node) {
      const agrees = node.content.startsWith(generation.text) || generation.text.startsWith(node.content);
      if (!agrees) issues.push(`the reply of ${generation.generationId} in ${generation.file} is not the text its client saw`);
      if (node.content !== fullReply && node.meta?.partial !== true) {
        issues.push(
          `the cut reply of ${generation.generationId} in ${generation.file} is not marked partial: ${JSON.stringify(node.meta)}`,
        );
      }
      if (node.meta?.interrupted === true && !recovered.has(generation.generationId)) {
        recovered.add(generation.generationId);
        figures.partialsRecovered++;
      }
    } else if (generation.firstChunkAt !== undefined) {
      // Text the client saw well before the kill was checkpointed; only the last moments may be gone.
      if (killedAt - generation.firstChunkAt > checkpointGraceMs) {
        figures.repliesLost++;
        issues.push(
          `the interrupted reply of ${generation.generationId} (first text ${killedAt - generation.firstChunkAt} ms before the kill) is missing from ${generation.file}`,
        );
      } else {
        figures.lostInsideWindow++;
      }
    }
  }
  return issues;
}

test.run();
