/** @module latest.md: the machine, how the processes were pinned, the goals met or missed, then each scenario's table. */
import type { GoalCheck, ScenarioResult } from './scenario.js';

export interface Report {
  date: string;
  mode: string;
  duration_s: number;
  machine: {
    cpu: string;
    cores: number;
    memory_gib: number;
    node: string;
    platform: string;
    pinning: string;
    load_average_before: number[];
    load_average_after: number[];
    engine: string;
  };
  goals: GoalCheck[];
  failed_scenarios: Array<{ scenario: number; error: string }>;
  scenarios: ScenarioResult[];
}

export function renderMarkdown(report: Report): string {
  const { machine } = report;
  const lines = [
    `Run ${report.date.slice(0, 16).replace('T', ' ')} UTC (${report.mode}, ${report.duration_s} s) on ${machine.cpu}, ${machine.cores} cores, ` +
      `${machine.memory_gib} GiB, Node ${machine.node} (${machine.platform}); ${machine.pinning}. ` +
      `Load average (1/5/15 min) before ${machine.load_average_before.join('/')}, after ${machine.load_average_after.join('/')}: the machine is shared. ` +
      `Engine: ${machine.engine}.`,
    ...(report.mode === 'quick'
      ? [
          '',
          'Quick run: few samples per figure (a p99 of 15 samples is their largest), one or two trials: the goals below are indicative only; the full run is the measurement.',
        ]
      : []),
    '',
    '| goal | measured | met |',
    '|---|---|---|',
    ...report.goals.map((goal) => `| ${goal.goal} | ${goal.measured} | ${goal.met ? 'yes' : `**no**: ${goal.missed_by ?? ''}`} |`),
  ];
  for (const failure of report.failed_scenarios) lines.push('', `Scenario ${failure.scenario} failed to run: ${failure.error}`);
  for (const scenario of report.scenarios) {
    lines.push('', `### ${scenario.title}`, '', ...scenario.markdown);
    if (scenario.window_notes.length > 0) {
      lines.push(
        '',
        '<details><summary>What the processes saw in each window (‡: the client side was short of CPU, so the figures understate the server)</summary>',
        '',
      );
      lines.push(...scenario.window_notes.map((note) => `- ${note}`), '', '</details>');
    }
  }
  return lines.join('\n') + '\n';
}
