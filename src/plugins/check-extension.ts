/**
 * @module Checks one plugin or workflow value (a folder's default export, or a value given to createEngine): its kind,
 * its name, each step's prefix and each hook's name. Every problem is returned, not just the first, as one line
 * that starts with where the value came from.
 */
import { isPlainObject } from '../lib/plain-object.js';
import type { Step } from '../registry/define-step.js';
import { hookNames, type Hooks } from './hook-types.js';

export type ExtensionKind = 'plugin' | 'workflow';

/** A plugin or workflow that passed its checks. */
export interface Extension {
  kind: ExtensionKind;
  name: string;
  /** Where it came from, for messages: `plugins/x/index.ts`, or `createEngine plugins[0]`. */
  source: string;
  steps: Step[];
  hooks: Hooks;
  hookTimeoutMs?: number;
}

const namePattern = /^[a-z][a-z0-9_]*$/;
const pluginFields = ['kind', 'name', 'description', 'steps', 'hooks', 'tools', 'hookTimeoutMs'];
const workflowFields = ['kind', 'name', 'description', 'steps'];

/** The step prefix of a plugin or workflow of this name. */
export function prefixOf(kind: ExtensionKind, name: string): string {
  return `${kind === 'plugin' ? 'plugins' : 'workflow'}/${name}/`;
}

/**
 * `value` should be `definePlugin(...)` (or `defineWorkflow(...)` for a workflow); `folderName`, when it came from a
 * folder, must be its name.
 */
export function checkExtension(
  value: unknown,
  kind: ExtensionKind,
  source: string,
  folderName?: string,
): { extension?: Extension; problems: string[] } {
  const define = kind === 'plugin' ? 'definePlugin({ name, steps?, hooks? })' : 'defineWorkflow({ name, steps })';
  if (!isPlainObject(value) || value['kind'] !== kind) {
    return { problems: [`${source}: the default export must be ${define}; it is ${describe(value)}`] };
  }
  const problems: string[] = [];
  const fields = kind === 'plugin' ? pluginFields : workflowFields;
  for (const field of Object.keys(value).filter((key) => !fields.includes(key))) {
    problems.push(`${source}: "${field}" is not a ${kind} field (fields: ${fields.filter((known) => known !== 'kind').join(', ')})`);
  }
  const name = value['name'];
  if (typeof name !== 'string' || !namePattern.test(name)) {
    problems.push(`${source}: name must be lower snake_case (letters, digits, _), e.g. "my_${kind}"; it is ${describe(name)}`);
  } else if (folderName !== undefined && name !== folderName) {
    problems.push(`${source}: name "${name}" must be the folder's name "${folderName}"`);
  }
  const prefix = typeof name === 'string' ? prefixOf(kind, name) : undefined;
  const steps = checkSteps(value['steps'], source, prefix, problems);
  const hooks = kind === 'plugin' ? checkHooks(value['hooks'], source, problems) : {};
  const timeout = kind === 'plugin' ? value['hookTimeoutMs'] : undefined;
  if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout > 0) || !Number.isFinite(timeout))) {
    problems.push(`${source}: hookTimeoutMs must be a positive number of milliseconds; it is ${describe(timeout)}`);
  }
  if (problems.length > 0) return { problems };
  return {
    extension: { kind, name: name as string, source, steps, hooks, ...(timeout === undefined ? {} : { hookTimeoutMs: timeout as number }) },
    problems,
  };
}

function checkSteps(steps: unknown, source: string, prefix: string | undefined, problems: string[]): Step[] {
  if (steps === undefined) return [];
  if (!Array.isArray(steps)) {
    problems.push(`${source}: steps must be an array of defineStep(...) values; it is ${describe(steps)}`);
    return [];
  }
  const checked: Step[] = [];
  for (const [index, step] of (steps as unknown[]).entries()) {
    if (!isPlainObject(step) || (step['kind'] !== 'plain' && step['kind'] !== 'stream') || typeof step['path'] !== 'string') {
      problems.push(
        `${source}: steps[${index}] is not a step made by defineStep({ path, summary, input, output, run }); it is ${describe(step)}`,
      );
      continue;
    }
    if (prefix !== undefined && !step['path'].startsWith(prefix)) {
      problems.push(`${source}: step "${step['path']}" is outside its prefix ${prefix}`);
      continue;
    }
    checked.push(step as unknown as Step);
  }
  return checked;
}

function checkHooks(hooks: unknown, source: string, problems: string[]): Hooks {
  if (hooks === undefined) return {};
  if (!isPlainObject(hooks)) {
    problems.push(`${source}: hooks must be an object of hook functions; it is ${describe(hooks)}`);
    return {};
  }
  for (const [name, hook] of Object.entries(hooks)) {
    if (!(hookNames as readonly string[]).includes(name)) {
      const near = hookNames.find((known) => known.toLowerCase() === name.toLowerCase());
      problems.push(`${source}: unknown hook "${name}"${near ? ` (did you mean ${near}?)` : ''}; hooks are ${hookNames.join(', ')}`);
    } else if (typeof hook !== 'function') {
      problems.push(`${source}: hook ${name} must be a function; it is ${describe(hook)}`);
    }
  }
  return hooks;
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') {
    const kind = (value as { kind?: unknown }).kind;
    return kind === undefined ? 'an object without kind' : `an object of kind ${JSON.stringify(kind)}`;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value} ${String(value)}`;
  return typeof value;
}
