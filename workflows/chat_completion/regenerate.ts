/**
 * @module workflow/chat_completion/regenerate: a new reply beside an existing assistant node. It creates an
 * empty sibling (made active when the old node was on the active path, as SmartTavern's retry does) and
 * fills it by streaming, so the old reply stays one branch switch away.
 */
import type { GenerationEvent } from '../../src/generation/generation-events.js';
import { generationEventSchema } from '../../src/generation/generation-events.js';
import { defineStep } from '../../src/registry/define-step.js';
import type { Position } from '../../src/store/index.js';
import { completionInputProperties, followUpInputProperties, toolInputOf, type CompletionInput } from './completion-input.js';
import { removeEmptyBranch } from './job/remove-empty-branch.js';
import { resumeGeneration } from './job/resume-generation.js';

interface RegenerateInput extends Pick<CompletionInput, 'tools' | 'tool_choice' | 'max_steps'> {
  conversation_file: string;
  node_id: string;
  llm_config_file?: string | null;
  include_doc: boolean;
  on_disconnect: 'continue' | 'abort';
  last_event_id?: string;
}

export const regenerate = defineStep<RegenerateInput, GenerationEvent>({
  path: 'workflow/chat_completion/regenerate',
  summary: 'Stream a new reply as a sibling of an assistant node, and make it the active branch.',
  description:
    'When no reply comes of it (refused before it starts, or ended with nothing saved), the empty sibling is removed ' +
    'and the active path goes back to the regenerated node.',
  input: {
    type: 'object',
    properties: {
      ...followUpInputProperties,
      node_id: { ...completionInputProperties.target_node_id, description: 'The assistant node to regenerate' },
    },
    required: ['conversation_file', 'node_id'],
    additionalProperties: false,
  },
  events: generationEventSchema,
  async *stream(input, context) {
    const { conversation_file: file } = input;
    if (input.last_event_id !== undefined) {
      yield* resumeGeneration(file, input.last_event_id, input.on_disconnect, context);
      return;
    }
    const { levels } = await context.call<{ levels: Position[] }>('modules/chat_branches/branch_table', { file });
    const retried = await context.call<{ new_node_id: string }>('modules/chat_branches/retry_branch', {
      file,
      retry_node_id: input.node_id,
      role: 'assistant',
      content: '',
      return_mode: 'path',
    });
    const undo = () =>
      removeEmptyBranch(
        file,
        retried.new_node_id,
        levels.find((level) => level.node_id === input.node_id),
        context,
      );
    let started = false;
    let saved = false;
    try {
      for await (const event of context.stream<GenerationEvent>('workflow/chat_completion/complete_stream', {
        conversation_file: file,
        target_node_id: retried.new_node_id,
        include_doc: input.include_doc,
        on_disconnect: input.on_disconnect,
        ...(input.llm_config_file ? { llm_config_file: input.llm_config_file } : {}),
        ...toolInputOf(input),
      })) {
        started = true;
        if (event.type === 'saved') saved = true;
        // Before `end` goes out, so a client that re-reads the conversation on `end` sees it as it was.
        if (event.type === 'end' && !saved) await undo();
        yield event;
      }
    } catch (error) {
      // Refused before it started (a bad config, say). Once started, the generation owns the node: a client that
      // leaves does not stop it (on_disconnect "continue"), and it saves there later.
      if (!started) await undo();
      throw error;
    }
  },
});
