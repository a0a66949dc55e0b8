/**
 * @module Fault family 7, load with chaos: 200 clients keep streams open against the real server (a child
 * process) for FAULTS_LOAD_SECONDS (default 60), and at random they abort generations, disconnect (with
 * on_disconnect "continue" or "abort"), resume with Last-Event-ID, and retry a start with the same request_id.
 * Afterwards every generation the server knows must have ended in exactly one saved node, or none when it
 * produced no text; no reply is saved twice; a resumed viewer sees each event once, in order.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startFakeOpenAi } from '../helpers/fake-openai.js';
import { recordFigures } from './fault-figures.js';
import {
  chatSeed,
  createFaultRoot,
  fakeProviderConfig,
  inspectConversations,
  nodesOfGeneration,
  numberFromEnvironment,
  runSeed,
  seededRandom,
} from './fault-root.js';
import { startServerProcess, type ServerProcess } from './server-process.js';
import { apiUrl, eventsOfType, recordSse, type RecordedEvent } from './stream-recorder.js';

const test = suite('fault family 7: load with chaos');

const seconds = numberFromEnvironment('FAULTS_LOAD_SECONDS', 60);
const clientCount = numberFromEnvironment('FAULTS_LOAD_CLIENTS', 200);
const conversationCount = 40;
const seed = runSeed();

type Action =
  'read to the end' | 'abort' | 'disconnect, continue' | 'disconnect, abort' | 'resume twice' | 'retry with the same request_id';

interface Summary {
  generation_id: string;
  status: 'running' | 'done';
  outcome?: 'completed' | 'aborted' | 'failed' | 'empty';
  conversation_file: string;
  saved_node_id?: string;
  content_length: number;
}

test('200 streams with random aborts, disconnects and resumes: one saved node per generation, or none', async () => {
  const random = seededRandom(seed);
  const fake = await startFakeOpenAi();
  fake.defaultReply = { chunks: Array.from({ length: 10 }, (_, index) => `part${index} `), firstChunkDelayMs: 50, chunkDelayMs: 80 };
  const root = createFaultRoot('chaos');
  const config = root.write('data/llm_configs/fake.json', fakeProviderConfig(fake.baseUrl, { timeout: 30, connect_timeout: 30 }));
  const files = Array.from({ length: conversationCount }, (_, index) =>
    root.writeConversation(`chaos${index}`, chatSeed(`chaos${index}`), { llm_config: config }),
  );
  const server = await startServerProcess({ root: root.root, env: { FAULT_SUITE_KEY: 'sk-fault-suite-chaos-key', LOG_LEVEL: 'warn' } });

  const issues: string[] = [];
  const actions = new Map<Action, number>();
  const touched = new Map<string, Action>();
  let streams = 0;
  const deadline = Date.now() + seconds * 1000;
  try {
    const client = async (): Promise<void> => {
      while (Date.now() < deadline) {
        const roll = random();
        const action: Action =
          roll < 0.35
            ? 'read to the end'
            : roll < 0.5
              ? 'abort'
              : roll < 0.65
                ? 'disconnect, continue'
                : roll < 0.8
                  ? 'disconnect, abort'
                  : roll < 0.9
                    ? 'resume twice'
                    : 'retry with the same request_id';
        actions.set(action, (actions.get(action) ?? 0) + 1);
        streams++;
        const problem = await play(server, files[Math.floor(random() * files.length)]!, action, random, touched);
        if (problem) issues.push(problem);
      }
    };
    await Promise.all(Array.from({ length: clientCount }, client));

    // Every generation runs to its end on the server, viewers or not.
    let summaries: Summary[] = [];
    for (let waited = 0; waited < 60_000; waited += 250) {
      summaries = (
        JSON.parse(await (await fetch(apiUrl(server.url, 'workflow/chat_completion/generations'))).text()) as { generations: Summary[] }
      ).generations;
      if (summaries.every((summary) => summary.status === 'done')) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const state = inspectConversations(root.root);
    for (const invalid of state.invalid) issues.push(`${invalid.file} does not parse or validate: ${invalid.problem}`);
    if (state.strays.length > 0) issues.push(`files left behind: ${state.strays.join(', ')}`);
    const known = new Set(summaries.map((summary) => summary.generation_id));
    for (const generationId of touched.keys())
      if (!known.has(generationId)) issues.push(`generation ${generationId} seen by a client is unknown to the server`);

    let repliesLost = 0;
    let duplicates = 0;
    let savedNodes = 0;
    let empty = 0;
    const failedActions = new Set<string>();
    for (const summary of summaries) {
      const doc = state.valid.get(summary.conversation_file);
      const nodes = doc ? nodesOfGeneration(doc, summary.generation_id) : [];
      const problem =
        summary.status !== 'done'
          ? 'is still running'
          : summary.content_length === 0
            ? nodes.length === 0
              ? undefined
              : `produced no text yet is saved as ${nodes.join(', ')}`
            : nodes.length === 0
              ? 'produced text that is in no node'
              : nodes.length > 1
                ? `is saved ${nodes.length} times: ${nodes.join(', ')}`
                : nodes[0] !== summary.saved_node_id
                  ? `was saved as ${nodes[0]}, but the server says ${summary.saved_node_id}`
                  : doc!.nodes[nodes[0]!]!.content.length !== summary.content_length
                    ? 'was saved with other text than it generated'
                    : (doc!.nodes[nodes[0]!]!.meta?.partial === true) !== (summary.outcome !== 'completed')
                      ? `is marked partial=${String(doc!.nodes[nodes[0]!]!.meta?.partial)} but ended ${summary.outcome}`
                      : undefined;
      if (summary.content_length === 0) empty++;
      else if (nodes.length > 0) savedNodes++;
      if (nodes.length > 1) duplicates++;
      if (summary.content_length > 0 && nodes.length === 0) repliesLost++;
      if (problem) {
        issues.push(`generation ${summary.generation_id} (${touched.get(summary.generation_id) ?? 'no chaos'}) ${problem}`);
        failedActions.add(summary.generation_id);
      }
    }
    const chaos = [...touched].filter(([, action]) => action !== 'read to the end');
    const survived = chaos.filter(([generationId]) => !failedActions.has(generationId)).length;
    recordFigures({
      family: 7,
      name: 'load with chaos',
      faults: chaos.length,
      survived,
      badInputs: 0,
      repliesLost,
      filesCorrupted: state.invalid.length,
      line:
        `load with chaos: ${clientCount} concurrent clients for ${seconds} s, ${streams} streams, ${summaries.length} generations; ${survived}/${chaos.length} ` +
        `aborts, disconnects, resumes and request_id retries survived; ${savedNodes} saved once, ${empty} empty and unsaved, ${duplicates} duplicates; ` +
        `replies lost ${repliesLost}, files corrupted ${state.invalid.length} (seed ${seed})`,
    });
  } finally {
    await server.stop();
    await fake.close();
    root.cleanup();
  }
  assert.equal(issues.slice(0, 50), []);
  assert.ok(streams >= clientCount, `only ${streams} streams`);
});

/** One client's go: start a stream and do `action` to it; returns what the client saw go wrong, if anything. */
async function play(
  server: ServerProcess,
  file: string,
  action: Action,
  random: () => number,
  touched: Map<string, Action>,
): Promise<string | undefined> {
  const onDisconnect = action === 'disconnect, abort' ? 'abort' : 'continue';
  const query = { conversation_file: file, include_doc: false, on_disconnect: onDisconnect };
  const leaveAfter = Math.floor(random() * 8);
  let generationId: string | undefined;
  const seen: RecordedEvent[] = [];
  const remember = (event: RecordedEvent): void => {
    seen.push(event);
    if (typeof event.data === 'object' && event.data.type === 'start') {
      generationId = String(event.data['generation_id']);
      touched.set(generationId, action);
    }
  };
  const chunksSeen = (): number => seen.filter((event) => typeof event.data === 'object' && event.data.type === 'chunk').length;

  if (action === 'retry with the same request_id') {
    const requestId = `chaos-${Math.floor(random() * 1e12)}`;
    const [first, second] = await Promise.all([
      recordSse(apiUrl(server.url, 'workflow/chat_completion/complete_stream', { ...query, request_id: requestId })),
      recordSse(apiUrl(server.url, 'workflow/chat_completion/complete_stream', { ...query, request_id: requestId })),
    ]);
    const ids = [first, second].map((stream) => eventsOfType(stream, 'start')[0]?.['generation_id']);
    for (const id of ids) if (typeof id === 'string') touched.set(id, action);
    if (ids[0] === undefined || ids[0] !== ids[1])
      return `two starts with request_id ${requestId} gave generations ${String(ids[0])} and ${String(ids[1])}`;
    return undefined;
  }

  const firstStream = await recordSse(apiUrl(server.url, 'workflow/chat_completion/complete_stream', query), {
    onEvent: (event) => {
      remember(event);
      if (action === 'abort' && generationId !== undefined && chunksSeen() === leaveAfter) {
        void fetch(apiUrl(server.url, 'workflow/chat_completion/abort'), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ generation_id: generationId }),
        }).then((response) => response.arrayBuffer());
      }
    },
    until: () => action !== 'read to the end' && action !== 'abort' && generationId !== undefined && chunksSeen() >= leaveAfter,
  });
  if (firstStream.status !== 200) return `a stream on ${file} answered ${firstStream.status}: ${firstStream.text.slice(0, 200)}`;
  if (firstStream.stop === 'failed') return `a stream on ${file} broke: ${firstStream.failure}`;
  const resumes = action === 'resume twice' ? 2 : action.startsWith('disconnect') && random() < 0.6 ? 1 : 0;
  for (let resume = 1; resume <= resumes; resume++) {
    await new Promise((resolve) => setTimeout(resolve, random() * 1500));
    const lastEventId = [...seen].reverse().find((event) => event.id !== undefined)?.id;
    if (lastEventId === undefined) break;
    const leaveAgain = resume < resumes ? chunksSeen() + 1 + Math.floor(random() * 3) : Infinity;
    const resumed = await recordSse(apiUrl(server.url, 'workflow/chat_completion/complete_stream', query), {
      lastEventId,
      onEvent: remember,
      until: () => chunksSeen() >= leaveAgain,
    });
    if (resumed.status !== 200 && resumed.status !== 204) return `a resume of ${generationId} answered ${resumed.status}`;
  }
  // Across all connections, each event id once and in order: nothing repeated, nothing skipped.
  const sequence = seen.filter((event) => event.id !== undefined).map((event) => Number(event.id!.split(':')[1]));
  for (let index = 1; index < sequence.length; index++) {
    if (sequence[index] !== sequence[index - 1]! + 1)
      return `the viewer of ${generationId} saw event ${sequence[index]} after ${sequence[index - 1]}`;
  }
  return undefined;
}

test.run();
