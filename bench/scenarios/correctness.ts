/**
 * @module Scenario 5, correctness under load: 100 concurrent `complete_stream` generations into one conversation,
 * all under the same parent. Afterwards the file on disk must parse and validate (the engine's own validator),
 * and hold all 100 replies: each `saved` node present once, under that parent, listed among its children, with
 * exactly the text its client streamed. The same 100 streams are also sent directly, for the time ratio.
 */
import { readFileSync } from 'node:fs';
import { validateDoc, type ConversationDoc } from '../../src/store/index.js';
import { createBenchRoot, shortChat } from '../bench-root.js';
import { measure, startEngine, type BenchContext } from '../harness.js';
import { instantProfile } from '../reply-profile.js';
import { collectNotes, type GoalCheck, type ScenarioResult } from '../scenario.js';
import { overTrials, ratio, round } from '../stats.js';
import { streamOnce, type StreamRecord, type StreamSpec } from '../targets.js';

const concurrent = 100;
const profile = instantProfile;

interface Trial {
  nodes_present: number;
  file_valid: boolean;
  problems: string[];
  engine_ms: number;
  direct_ms: number;
}

export async function correctness(context: BenchContext): Promise<ScenarioResult> {
  const settings = { trials: context.quick ? 2 : 5, concurrent };
  const root = createBenchRoot(context.fake.url);
  root.writeConfig(profile, 'openai');
  const files = Array.from({ length: settings.trials }, (_, index) => root.writeConversation(`correct-${index}`, shortChat.doc));
  const engine = await startEngine(context, root, 'correctness');
  const origins = { fake: context.fake.url, engine: engine.url };
  const trials: Trial[] = [];
  const limits: string[] = [];
  try {
    for (const [index, file] of files.entries()) {
      const spec = (): StreamSpec => ({
        profile,
        dialect: 'openai',
        messages: shortChat.messages,
        conversation: { file, parentId: shortChat.parentId },
        keepText: true,
      });
      const all = async (kind: 'direct' | 'engine'): Promise<{ records: StreamRecord[]; errors: string[]; ms: number }> => {
        const started = performance.now();
        const settled = await Promise.allSettled(Array.from({ length: concurrent }, () => streamOnce(kind, origins, spec())));
        const records = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
        const errors = settled.flatMap((result) => (result.status === 'rejected' ? [(result.reason as Error).message] : []));
        return { records, errors, ms: performance.now() - started };
      };
      const direct = await all('direct');
      const { value: viaEngine, verdict } = await measure(context, engine, () => all('engine'));
      collectNotes(`trial ${index + 1}`, verdict, limits);
      trials.push({
        ...check(root.path(file), viaEngine.records, viaEngine.errors),
        engine_ms: round(viaEngine.ms),
        direct_ms: round(direct.ms),
      });
    }
  } finally {
    await engine.stop();
    root.cleanup();
  }
  const allGood = trials.every((trial) => trial.file_valid && trial.nodes_present === concurrent && trial.problems.length === 0);
  const engineMs = overTrials(trials.map((trial) => trial.engine_ms));
  const directMs = overTrials(trials.map((trial) => trial.direct_ms));
  const goal: GoalCheck = {
    scenario: '5 correctness',
    goal: `${concurrent} concurrent generations into one conversation: all nodes present, file valid`,
    measured: trials.map((trial) => `${trial.nodes_present}/${concurrent}${trial.file_valid ? ', valid' : ', INVALID'}`).join('; '),
    met: allGood,
    ...(allGood
      ? {}
      : {
          missed_by: trials
            .flatMap((trial) => trial.problems)
            .slice(0, 3)
            .join('; '),
        }),
  };
  return {
    id: 'correctness',
    title: `5. Correctness under load: ${concurrent} concurrent generations into one conversation`,
    settings: { ...settings, profile },
    rows: [{ engine_ms: engineMs, direct_ms: directMs, ratio: ratio(engineMs.median, directMs.median) }, ...trials],
    goals: [goal],
    window_notes: limits,
    markdown: [
      `${settings.trials} trials, each into a fresh conversation; ${profile.chunkCount} chunks per reply.`,
      '',
      '| trial | nodes present | file valid | stream problems | all 100 via engine | all 100 direct |',
      '|---|---|---|---|---|---|',
      ...trials.map(
        (trial, index) =>
          `| ${index + 1} | ${trial.nodes_present}/${concurrent} | ${trial.file_valid ? 'yes' : '**no**'} | ${trial.problems.length === 0 ? 'none' : trial.problems.slice(0, 2).join('; ')} | ${trial.engine_ms} ms | ${trial.direct_ms} ms |`,
      ),
      '',
      `Time for all ${concurrent}: engine ${engineMs.median} ms, direct ${directMs.median} ms (median over trials; ${ratio(engineMs.median, directMs.median) ?? '-'}×).`,
    ],
  };
}

function check(path: string, records: StreamRecord[], errors: string[]): Omit<Trial, 'engine_ms' | 'direct_ms'> {
  const problems = [...errors, ...records.flatMap((record) => record.problems)];
  let doc: ConversationDoc;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8')) as ConversationDoc;
  } catch (error) {
    return { nodes_present: 0, file_valid: false, problems: [...problems, `the file does not parse: ${(error as Error).message}`] };
  }
  const invalid = validateDoc(doc);
  if (invalid) problems.push(`the file does not validate at ${invalid.pointer || '/'}: ${invalid.message}`);
  const siblings = new Set(doc.children?.[shortChat.parentId] ?? []);
  let present = 0;
  for (const record of records) {
    const node = record.nodeId === undefined ? undefined : doc.nodes[record.nodeId];
    if (!node) continue;
    if (node.pid !== shortChat.parentId || node.role !== 'assistant')
      problems.push(`node ${record.nodeId} is not an assistant reply under ${shortChat.parentId}`);
    else if (node.content !== record.text) problems.push(`node ${record.nodeId} holds other text than was streamed`);
    else if (!siblings.has(record.nodeId!)) problems.push(`node ${record.nodeId} is missing from children of ${shortChat.parentId}`);
    else present++;
  }
  const unique = new Set(records.map((record) => record.nodeId));
  if (unique.size !== records.length) problems.push(`${records.length - unique.size} duplicate node ids`);
  return { nodes_present: present, file_valid: invalid === undefined, problems };
}
