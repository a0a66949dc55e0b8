/** @module The shape every scenario returns: structured rows for latest.json, Markdown lines, and the goal checks. */
import type { Verdict } from './harness.js';

export interface GoalCheck {
  scenario: string;
  goal: string;
  measured: string;
  met: boolean;
  /** How far from the goal, when missed (e.g. "+1.8 ms over", "0.31× short of 0.5×"). */
  missed_by?: string;
}

export interface ScenarioResult {
  id: string;
  title: string;
  settings: Record<string, unknown>;
  rows: unknown[];
  goals: GoalCheck[];
  /** Windows in which a process was short of CPU or other processes competed for ours, with what was seen. */
  window_notes: string[];
  markdown: string[];
}

export function collectNotes(label: string, verdict: Verdict, into: string[]): void {
  if (verdict.notes.length > 0) into.push(`${label}${verdict.client_side_limited ? ' ‡' : ''}: ${verdict.notes.join('; ')}`);
}

export function checkAtMost(scenario: string, goal: string, value: number, limit: number, unit: string): GoalCheck {
  const measured = `${value} ${unit}`;
  if (!Number.isFinite(value)) return { scenario, goal, measured: 'not measured', met: false, missed_by: 'no value' };
  if (value <= limit) return { scenario, goal, measured, met: true };
  return {
    scenario,
    goal,
    measured,
    met: false,
    missed_by: `+${Math.round((value - limit) * 100) / 100} ${unit} over (${Math.round((value / limit) * 10) / 10}× the goal)`,
  };
}
