/** @module PluginLoadError: every problem found while loading plugins and workflows, one line each, so start-up stops once. */

export class PluginLoadError extends Error {
  override readonly name = 'PluginLoadError';
  /** One line per problem, each starting with the folder or file it is about. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`branchflow cannot start: ${count} in plugins and workflows:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
    this.problems = problems;
  }
}
