/**
 * @module definePlugin and defineWorkflow: what the entry module of a `plugins/<name>/` or `workflows/<name>/` folder
 * exports by default (or what a program hands to createEngine). Plain objects with a `kind` brand, so a plugin built
 * against another copy of the package is still recognised.
 */
import type { Step } from '../registry/define-step.js';
import type { Hooks } from './hook-types.js';

export interface PluginSpec {
  /** Lower snake_case; for a folder plugin, the folder's name. Its steps live under `plugins/<name>/`. */
  name: string;
  description?: string;
  steps?: readonly Step[];
  hooks?: Hooks;
  /** Ignored, kept for compatibility: a plugin's tools are its steps declared with `tool: true` (docs/tools.md). */
  tools?: readonly unknown[];
  /** How long each of this plugin's hooks may run, in ms (default: the engine's, 5000). */
  hookTimeoutMs?: number;
}

export interface Plugin extends PluginSpec {
  readonly kind: 'plugin';
}

export interface WorkflowSpec {
  /** Lower snake_case; the folder's name. Its steps live under `workflow/<name>/`. */
  name: string;
  description?: string;
  steps: readonly Step[];
}

export interface Workflow extends WorkflowSpec {
  readonly kind: 'workflow';
}

export function definePlugin(spec: PluginSpec): Plugin {
  return { ...spec, kind: 'plugin' };
}

export function defineWorkflow(spec: WorkflowSpec): Workflow {
  return { ...spec, kind: 'workflow' };
}
