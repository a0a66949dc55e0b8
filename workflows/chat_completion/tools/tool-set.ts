/**
 * @module The tools one completion may use, settled before anything is paid for: named by the request, else by the
 * conversation's settings.json, else by the LLM config; each name must name a tool (422 UNKNOWN_TOOL otherwise). It
 * maps engine names to provider-safe ones and back, and knows the loop's limits and which calls need approval.
 */
import { CallError } from '../../../src/lib/call-error.js';
import type { ToolChoice, ToolSpec } from '../../../src/llm/provider.js';
import type { StepContext } from '../../../src/registry/define-step.js';
import { availableTools } from '../../../src/modules/tools/list-tools.js';
import type { ListedTool } from '../../../src/modules/tools/tool-schemas.js';
import { mcpPrefix } from '../../../src/tools/tool-catalog.js';
import { providerToolName } from '../../../src/tools/tool-names.js';

/** The tool fields of settings.json and of an LLM config (schemas/*.schema.json state them). */
export interface ToolSettings {
  tools?: string[];
  tool_choice?: ToolChoice;
  max_steps?: number;
  tool_timeout_ms?: number;
  tool_approval?: 'auto' | 'ask' | Record<string, 'auto' | 'ask'>;
  tool_approval_timeout_ms?: number;
}

/** What a request may choose: its own list (within the configured one, when there is one), the choice, the steps. */
export interface ToolRequest {
  tools?: string[];
  tool_choice?: ToolChoice;
  max_steps?: number;
}

/** Where tool settings come from, first wins per field: the conversation's settings.json, then the LLM config. */
export interface ToolSettingsSource {
  where: string;
  settings: ToolSettings;
}

export const toolDefaults = { max_steps: 8, tool_timeout_ms: 60_000, tool_approval_timeout_ms: 300_000 } as const;

export class ToolSet {
  readonly specs: ToolSpec[];
  readonly toolChoice: ToolChoice | undefined;
  readonly maxSteps: number;
  /** Undefined: the tool's own limit (an MCP server's timeout_ms), else the default. */
  readonly timeoutMs: number | undefined;
  readonly approvalTimeoutMs: number;
  readonly #approval: ToolSettings['tool_approval'];
  readonly #byWireName = new Map<string, ListedTool>();
  readonly #wireByName = new Map<string, string>();

  private constructor(tools: ListedTool[], settings: ToolSettings, request: ToolRequest) {
    for (const tool of tools) {
      let wire = providerToolName(tool.name);
      // Two names that map alike (a/b_c and a_b/c): the later one gets a number.
      for (let n = 2; this.#byWireName.has(wire); n++) wire = `${providerToolName(tool.name).slice(0, 60)}_${n}`;
      this.#byWireName.set(wire, tool);
      this.#wireByName.set(tool.name, wire);
    }
    this.specs = tools.map((tool) => ({
      name: this.#wireByName.get(tool.name)!,
      description: tool.description,
      parameters: tool.parameters,
    }));
    const choice = request.tool_choice ?? settings.tool_choice;
    this.toolChoice = typeof choice === 'object' ? { name: this.wireName(choice.name) } : choice;
    this.maxSteps = request.max_steps ?? settings.max_steps ?? toolDefaults.max_steps;
    this.timeoutMs = settings.tool_timeout_ms;
    this.approvalTimeoutMs = settings.tool_approval_timeout_ms ?? toolDefaults.tool_approval_timeout_ms;
    this.#approval = settings.tool_approval;
  }

  /**
   * The tool set of one completion, or undefined when it offers no tool (then nothing about tools is looked up).
   * UNKNOWN_TOOL names the tool and where it was named; a request naming a tool outside the configured list too.
   */
  static async open(request: ToolRequest, sources: ToolSettingsSource[], context: StepContext): Promise<ToolSet | undefined> {
    const settings = mergeSources(sources);
    const configured = firstWith(sources, 'tools');
    let names = configured?.settings.tools;
    if (request.tools !== undefined) {
      const outside = configured ? request.tools.find((name) => !configured.settings.tools!.includes(name)) : undefined;
      if (outside !== undefined) {
        throw new CallError(
          'UNKNOWN_TOOL',
          `tool ${outside} is not among the tools of ${configured!.where}; a request may only narrow them`,
          {
            details: { tool: outside, file: configured!.where },
          },
        );
      }
      names = request.tools;
    }
    if (names === undefined || names.length === 0) return undefined;
    const available = new Map((await availableTools(context)).map((tool) => [tool.name, tool]));
    const chosen = [...new Set(names)].map((name) => {
      const tool = available.get(name);
      if (tool) return tool;
      const where = request.tools !== undefined ? 'the request' : configured!.where;
      const hint = name.startsWith(mcpPrefix) ? 'see modules/tools/servers for the state of each MCP server' : 'see modules/tools/list';
      throw new CallError('UNKNOWN_TOOL', `no tool ${name} (named in "tools" of ${where}); ${hint}`, {
        details: { tool: name, ...(request.tools !== undefined ? {} : { file: where }) },
      });
    });
    const forced = request.tool_choice ?? settings.tool_choice;
    if (typeof forced === 'object' && !chosen.some((tool) => tool.name === forced.name)) {
      throw new CallError('UNKNOWN_TOOL', `tool_choice names ${forced.name}, which is not among the tools offered`, {
        details: { tool: forced.name },
      });
    }
    return new ToolSet(chosen, settings, request);
  }

  /** The tool a provider's call names: by its provider-safe name, or by the engine name itself (the mock uses it). */
  find(name: string): ListedTool | undefined {
    return this.#byWireName.get(name) ?? this.#byWireName.get(this.#wireByName.get(name) ?? '');
  }

  /** The provider-safe name of an engine name: this request's mapping, else the pure one (a stored turn's old tool). */
  wireName(name: string): string {
    return this.#wireByName.get(name) ?? providerToolName(name);
  }

  needsApproval(name: string): boolean {
    const approval = this.#approval;
    if (approval === undefined || typeof approval === 'string') return approval === 'ask';
    return approval[name] === 'ask';
  }
}

function mergeSources(sources: ToolSettingsSource[]): ToolSettings {
  const merged: ToolSettings = {};
  for (const { settings } of [...sources].reverse()) Object.assign(merged, definedToolFields(settings));
  return merged;
}

function firstWith(sources: ToolSettingsSource[], field: keyof ToolSettings): ToolSettingsSource | undefined {
  return sources.find((source) => source.settings[field] !== undefined && source.settings[field] !== null);
}

function definedToolFields(settings: ToolSettings): ToolSettings {
  const fields = ['tools', 'tool_choice', 'max_steps', 'tool_timeout_ms', 'tool_approval', 'tool_approval_timeout_ms'] as const;
  return Object.fromEntries(fields.flatMap((field) => (settings[field] == null ? [] : [[field, settings[field]]])));
}
