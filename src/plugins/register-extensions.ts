/**
 * @module Puts the steps of loaded plugins and workflows (and steps given as values) into the registry, and builds
 * the hook runner, collecting every problem (two steps with one path, an invalid schema) as one line naming its source.
 */
import type { Registry } from '../registry/registry.js';
import type { Step } from '../registry/define-step.js';
import type { Extension } from './check-extension.js';
import { HookRunner } from './hook-runner.js';

export interface Registration {
  hooks: HookRunner;
  problems: string[];
}

export function registerExtensions(
  api: Registry,
  extensions: readonly Extension[],
  steps: readonly Step[],
  hookTimeoutMs: number,
): Registration {
  const problems: string[] = [];
  const owners = new Map<string, string>(api.list().map((step) => [step.path, 'the built-in modules']));
  const add = (step: Step, source: string): void => {
    const owner = owners.get(step.path);
    if (owner !== undefined) {
      problems.push(`${source}: step "${step.path}" is defined twice (also by ${owner})`);
      return;
    }
    try {
      api.add(step);
      owners.set(step.path, source);
    } catch (error) {
      problems.push(`${source}: ${(error as Error).message}`);
    }
  };
  for (const extension of extensions) for (const step of extension.steps) add(step, extension.source);
  for (const [index, step] of steps.entries()) add(step, `createEngine steps[${index}]`);
  const plugins = extensions.filter((extension) => extension.kind === 'plugin');
  const hooks = new HookRunner(
    plugins.map((plugin) => plugin.name),
    plugins.map((plugin) => ({ plugin: plugin.name, hooks: plugin.hooks, timeoutMs: plugin.hookTimeoutMs ?? hookTimeoutMs })),
  );
  return { hooks, problems };
}

/**
 * Keeps the first plugin or workflow of each name; a second one (a folder and a value, or a copy of a built-in
 * workflow) is a problem, and its steps are not registered, so they are not reported twice.
 */
export function dropDuplicateNames(extensions: readonly Extension[]): { extensions: Extension[]; problems: string[] } {
  const first = new Map<string, Extension>();
  const problems: string[] = [];
  for (const extension of extensions) {
    const key = `${extension.kind}:${extension.name}`;
    const earlier = first.get(key);
    if (earlier)
      problems.push(`${extension.source}: a ${extension.kind} named "${extension.name}" is already loaded from ${earlier.source}`);
    else first.set(key, extension);
  }
  return { extensions: [...first.values()], problems };
}
