/**
 * @module Scenario 1, added latency one request at a time: time to the first `chunk` frame of `complete_stream`
 * (OpenAI, Gemini and Anthropic Messages wire) and the whole answer of `complete`, each against the same request sent straight to
 * the fake provider, interleaved request by request so noise falls on both alike. Added = engine − direct, per
 * percentile, per trial; reported as the median over trials. Goal: added p50 ≤ 1 ms, p99 ≤ 3 ms.
 */
import { createBenchRoot, shortChat } from '../bench-root.js';
import { measure, startEngine, type BenchContext } from '../harness.js';
import type { ReplyProfile } from '../reply-profile.js';
import { checkAtMost, collectNotes, type GoalCheck, type ScenarioResult } from '../scenario.js';
import { overTrials, quantile, ratio, type OverTrials } from '../stats.js';
import { completeOnce, streamOnce, type StreamSpec, type TargetKind } from '../targets.js';
import type { Dialect } from '../wire.js';

const profile: ReplyProfile = { firstTokenMs: 0, gapMinMs: 0, gapMaxMs: 0, chunkCount: 16, chunkSize: 8, tailMs: 0 };
const conversationsPerCase = 20;

interface Case {
  name: string;
  dialect: Dialect;
  measure: 'first chunk' | 'whole answer';
}

const cases: Case[] = [
  { name: 'complete_stream, first chunk (OpenAI wire)', dialect: 'openai', measure: 'first chunk' },
  { name: 'complete_stream, first chunk (Gemini wire)', dialect: 'gemini', measure: 'first chunk' },
  { name: 'complete_stream, first chunk (Anthropic wire)', dialect: 'anthropic', measure: 'first chunk' },
  { name: 'complete, whole answer (OpenAI wire)', dialect: 'openai', measure: 'whole answer' },
];

interface Row {
  case: string;
  direct_p50_ms: OverTrials;
  engine_p50_ms: OverTrials;
  direct_p99_ms: OverTrials;
  engine_p99_ms: OverTrials;
  added_p50_ms: OverTrials;
  added_p99_ms: OverTrials;
  ratio_p50: number | null;
}

export async function addedLatency(context: BenchContext): Promise<ScenarioResult> {
  const settings = context.quick ? { trials: 3, requests_per_trial: 15, warm_up: 5 } : { trials: 5, requests_per_trial: 200, warm_up: 30 };
  const root = createBenchRoot(context.fake.url);
  root.writeConfig(profile, 'openai');
  root.writeConfig(profile, 'gemini');
  root.writeConfig(profile, 'anthropic');
  const conversations = cases.map((_, caseIndex) =>
    Array.from({ length: conversationsPerCase }, (_, index) => root.writeConversation(`latency-${caseIndex}-${index}`, shortChat.doc)),
  );
  const engine = await startEngine(context, root, 'added-latency');
  const origins = { fake: context.fake.url, engine: engine.url };
  const limits: string[] = [];
  const rows: Row[] = [];
  try {
    for (const [caseIndex, testCase] of cases.entries()) {
      let counter = 0;
      // Replies are spread over a few conversations so no file grows past the size the other scenarios test.
      const spec = (): StreamSpec => ({
        profile,
        dialect: testCase.dialect,
        messages: shortChat.messages,
        conversation: { file: conversations[caseIndex]![counter++ % conversationsPerCase]!, parentId: shortChat.parentId },
      });
      const once = async (kind: TargetKind): Promise<number> => {
        if (testCase.measure === 'whole answer') {
          const answer = await completeOnce(kind, origins, spec());
          return answer.endedAt - answer.startedAt;
        }
        const record = await streamOnce(kind, origins, spec());
        if (record.problems.length > 0) throw new Error(`${kind} stream: ${record.problems.join('; ')}`);
        return record.firstChunkAt! - record.startedAt;
      };
      for (let index = 0; index < settings.warm_up; index++) {
        await once('direct');
        await once('engine');
      }
      const perTrial = { direct50: [] as number[], engine50: [] as number[], direct99: [] as number[], engine99: [] as number[] };
      for (let trial = 0; trial < settings.trials; trial++) {
        const { value, verdict } = await measure(context, engine, async () => {
          const direct: number[] = [];
          const viaEngine: number[] = [];
          for (let index = 0; index < settings.requests_per_trial; index++) {
            // Alternate which goes first, so a slow moment is not always charged to the same side.
            if (index % 2 === 0) {
              direct.push(await once('direct'));
              viaEngine.push(await once('engine'));
            } else {
              viaEngine.push(await once('engine'));
              direct.push(await once('direct'));
            }
          }
          return { direct, viaEngine };
        });
        collectNotes(`${testCase.name}, trial ${trial + 1}`, verdict, limits);
        perTrial.direct50.push(quantile(value.direct, 0.5));
        perTrial.engine50.push(quantile(value.viaEngine, 0.5));
        perTrial.direct99.push(quantile(value.direct, 0.99));
        perTrial.engine99.push(quantile(value.viaEngine, 0.99));
      }
      const added = (engine: number[], direct: number[]): number[] => engine.map((value, index) => value - direct[index]!);
      const row: Row = {
        case: testCase.name,
        direct_p50_ms: overTrials(perTrial.direct50),
        engine_p50_ms: overTrials(perTrial.engine50),
        direct_p99_ms: overTrials(perTrial.direct99),
        engine_p99_ms: overTrials(perTrial.engine99),
        added_p50_ms: overTrials(added(perTrial.engine50, perTrial.direct50)),
        added_p99_ms: overTrials(added(perTrial.engine99, perTrial.direct99)),
        ratio_p50: null,
      };
      row.ratio_p50 = ratio(row.engine_p50_ms.median, row.direct_p50_ms.median);
      rows.push(row);
      context.log(`  ${testCase.name}: added p50 ${row.added_p50_ms.median} ms, p99 ${row.added_p99_ms.median} ms`);
    }
  } finally {
    await engine.stop();
    root.cleanup();
  }
  const goals: GoalCheck[] = rows.flatMap((row) => [
    checkAtMost('1 added latency', `${row.case}: added p50 ≤ 1 ms`, row.added_p50_ms.median, 1, 'ms'),
    checkAtMost('1 added latency', `${row.case}: added p99 ≤ 3 ms`, row.added_p99_ms.median, 3, 'ms'),
  ]);
  const spread = (value: OverTrials): string => `${value.median} (${value.min}…${value.max})`;
  return {
    id: 'added_latency',
    title: '1. Added latency, one request at a time',
    settings: { ...settings, profile },
    rows,
    goals,
    window_notes: limits,
    markdown: [
      `${settings.trials} trials × ${settings.requests_per_trial} requests each way, interleaved; fake provider answers at once (${profile.chunkCount} chunks of ${profile.chunkSize} characters). ` +
        'Figures in ms: median over trials (min…max over trials).',
      '',
      '| case | direct p50 | engine p50 | engine/direct p50 | added p50 | direct p99 | engine p99 | added p99 |',
      '|---|---|---|---|---|---|---|---|',
      ...rows.map(
        (row) =>
          `| ${row.case} | ${row.direct_p50_ms.median} | ${row.engine_p50_ms.median} | ${row.ratio_p50 ?? '-'}× | ${spread(row.added_p50_ms)} | ${row.direct_p99_ms.median} | ${row.engine_p99_ms.median} | ${spread(row.added_p99_ms)} |`,
      ),
    ],
  };
}
