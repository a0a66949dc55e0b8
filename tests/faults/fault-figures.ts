/**
 * @module The fault suite's figures: each family's test file records what it tried and what survived; the
 * runner (tests/run.ts) prints one line per family and the final `faults survived N/N, ...` line. A file that
 * dies before recording leaves no figures, and the runner says so instead of guessing.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The folder the runner names for this run; unset when a fault test file runs on its own. */
export const figuresFolderVariable = 'BRANCHFLOW_FAULT_FIGURES';

export interface FamilyFigures {
  /** The family's number in issue 8 (1 crashes ... 7 load with chaos): the order of the summary lines. */
  family: number;
  name: string;
  /** Faults injected (kills, provider faults, disk faults, races, attacks, chaos actions) and how many were survived. */
  faults: number;
  survived: number;
  /** Malformed requests sent (family 5; 0 elsewhere). */
  badInputs: number;
  repliesLost: number;
  filesCorrupted: number;
  /** The family's own summary, e.g. `crashes: 50/50 kills survived, 212 replies saved before a kill ...`. */
  line: string;
}

/** Prints the family line and, under the runner, leaves the figures for its summary. */
export function recordFigures(figures: FamilyFigures): void {
  process.stdout.write(`${figures.line}\n`);
  const folder = process.env[figuresFolderVariable];
  if (folder === undefined || folder === '') return;
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, `family-${figures.family}.json`), JSON.stringify(figures, null, 2) + '\n');
}

/**
 * The runner's summary: the family lines in order, then the final line; empty when no figures were left.
 * `filesRun` is how many fault test files ran, so a family that died before recording is named as missing.
 */
export function summariseFigures(folder: string, filesRun: number): string[] {
  let names: string[];
  try {
    names = readdirSync(folder).filter((name) => /^family-\d+\.json$/.test(name));
  } catch {
    return [];
  }
  if (names.length === 0) return [];
  const families = names
    .map((name) => JSON.parse(readFileSync(join(folder, name), 'utf8')) as FamilyFigures)
    .sort((a, b) => a.family - b.family);
  const sum = (pick: (figures: FamilyFigures) => number): number => families.reduce((total, figures) => total + pick(figures), 0);
  const missing =
    filesRun > families.length
      ? [`${filesRun - families.length} fault test file(s) recorded no figures: they failed before the end (see above)`]
      : [];
  return [
    ...families.map((figures) => figures.line),
    ...missing,
    `faults survived ${sum((figures) => figures.survived)}/${sum((figures) => figures.faults)}, bad inputs tried ${sum((figures) => figures.badInputs)}, ` +
      `replies lost ${sum((figures) => figures.repliesLost)}, files corrupted ${sum((figures) => figures.filesCorrupted)}`,
  ];
}
