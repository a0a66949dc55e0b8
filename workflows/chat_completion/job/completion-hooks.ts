/**
 * @module The plugins' hooks as one completion meets them: chosen once per completion from settings.json beside the
 * conversation, then run in plugin order at each point of the job (before the request, on each chunk, after the
 * reply, before and after the save). A hook's failure is HOOK_FAILED; afterSave's is only logged.
 */
import type { ChatMessage } from '../../../src/llm/provider.js';
import { CallError } from '../../../src/lib/call-error.js';
import { isPlainObject } from '../../../src/lib/plain-object.js';
import type { StepContext } from '../../../src/registry/define-step.js';
import { hookLabels, runHook, type HookEnvironment } from '../../../src/plugins/hook-runner.js';
import type { AfterLLMCallInput, AfterSaveInput, LlmParams, PluginHooks, SavedNode } from '../../../src/plugins/hook-types.js';
import type { ConversationDoc } from '../../../src/store/index.js';

const roles = new Set(['system', 'user', 'assistant']);

export class CompletionHooks {
  /** `plugin/hook` for every hook that runs for this completion, in order (the `start` event's `hooks`). */
  readonly labels: string[];
  readonly #plugins: PluginHooks[];
  readonly #environment: HookEnvironment;

  private constructor(plugins: PluginHooks[], context: StepContext) {
    this.#plugins = plugins;
    this.labels = hookLabels(plugins);
    this.#environment = {
      logger: context.logger,
      root: context.services.root,
      call: (path, input, signal) => context.call(path, input, { signal }),
      stream: (path, input, signal) => context.stream(path, input, { signal }),
    };
  }

  /** The hooks for a conversation: every loaded plugin's, unless its settings.json enables or disables some. */
  static async open(conversationFile: string, context: StepContext): Promise<CompletionHooks> {
    const runner = context.services.hooks;
    if (runner === undefined || runner.empty) return new CompletionHooks([], context);
    const settings = await context.services.store.readSettings(conversationFile);
    return new CompletionHooks(runner.select(settings, conversationFile.replace(/[^/]+$/, 'settings.json')), context);
  }

  get transformsChunks(): boolean {
    return this.#plugins.some(({ hooks }) => hooks.transformChunk !== undefined);
  }

  async beforeLLMCall(input: {
    messages: ChatMessage[];
    conversation: ConversationDoc;
    conversationFile: string;
    parentId: string;
    configFile: string;
  }): Promise<{ messages: ChatMessage[]; params: LlmParams }> {
    let messages = input.messages;
    let params: LlmParams = {};
    for (const plugin of this.#having('beforeLLMCall')) {
      const changed = await runHook(
        plugin,
        'beforeLLMCall',
        {
          messages: structuredClone(messages),
          params: structuredClone(params),
          conversation: input.conversation,
          conversation_file: input.conversationFile,
          parent_node_id: input.parentId,
          config_name: input.configFile,
        },
        this.#environment,
      );
      if (changed?.messages !== undefined) messages = checkMessages(changed.messages, plugin.plugin);
      if (changed?.params !== undefined) {
        if (!isPlainObject(changed.params)) throw badReturn(plugin.plugin, 'beforeLLMCall', 'params must be an object');
        params = changed.params;
      }
    }
    return { messages, params };
  }

  /** The text to stream instead of `text` (`''` drops it). */
  async transformChunk(text: string, generationId: string): Promise<string> {
    for (const plugin of this.#having('transformChunk')) {
      const changed = await runHook(plugin, 'transformChunk', { text, generation_id: generationId }, this.#environment);
      if (changed === undefined) continue;
      const next = typeof changed === 'string' ? changed : (changed as { text?: unknown }).text;
      if (typeof next !== 'string') throw badReturn(plugin.plugin, 'transformChunk', 'must return a string, { text }, or nothing');
      text = next;
    }
    return text;
  }

  /** The final content (the streamed text, unless a hook changes it). */
  async afterLLMCall(input: AfterLLMCallInput): Promise<string> {
    let { content } = input;
    for (const plugin of this.#having('afterLLMCall')) {
      const changed = await runHook(plugin, 'afterLLMCall', { ...input, content }, this.#environment);
      if (changed?.content === undefined) continue;
      if (typeof changed.content !== 'string') throw badReturn(plugin.plugin, 'afterLLMCall', 'content must be a string');
      content = changed.content;
    }
    return content;
  }

  /** The node as it will be written: content changed and meta fields added by hooks. */
  async beforeSave(node: SavedNode, conversationFile: string): Promise<SavedNode> {
    for (const plugin of this.#having('beforeSave')) {
      const changed = await runHook(
        plugin,
        'beforeSave',
        { node: structuredClone(node), conversation_file: conversationFile },
        this.#environment,
      );
      if (changed?.content !== undefined) {
        if (typeof changed.content !== 'string') throw badReturn(plugin.plugin, 'beforeSave', 'content must be a string');
        node = { ...node, content: changed.content };
      }
      if (changed?.meta !== undefined) {
        if (!isPlainObject(changed.meta)) throw badReturn(plugin.plugin, 'beforeSave', 'meta must be an object of fields to add');
        node = { ...node, meta: { ...node.meta, ...changed.meta } };
      }
    }
    return node;
  }

  /** Side effects after the reply is durable; a failure is logged, never reported as the reply's. */
  async afterSave(input: AfterSaveInput): Promise<void> {
    for (const plugin of this.#having('afterSave')) {
      try {
        await runHook(plugin, 'afterSave', input, this.#environment);
      } catch (error) {
        this.#environment.logger.warn('an afterSave hook failed; the reply is saved', { generation_id: input.generation_id, error });
      }
    }
  }

  #having(hook: keyof PluginHooks['hooks']): PluginHooks[] {
    return this.#plugins.filter(({ hooks }) => typeof hooks[hook] === 'function');
  }
}

function checkMessages(messages: unknown, plugin: string): ChatMessage[] {
  const valid =
    Array.isArray(messages) &&
    messages.length > 0 &&
    messages.every((message) => isPlainObject(message) && roles.has(message['role'] as string) && typeof message['content'] === 'string');
  if (!valid) throw badReturn(plugin, 'beforeLLMCall', 'messages must be a non-empty array of { role: system|user|assistant, content }');
  return (messages as ChatMessage[]).map(({ role, content }) => ({ role, content }));
}

function badReturn(plugin: string, hook: string, what: string): CallError {
  return new CallError('HOOK_FAILED', `plugin ${plugin}: hook ${hook} returned a bad value: ${what}`, {
    details: { plugin, hook },
    exposed: true,
  });
}
