/**
 * @module workflow/chat_completion/send: append the user's message, then stream the reply under it.
 * Composed of two other steps; the `start` event's parent_id is the new user node.
 */
import type { GenerationEvent } from '../../src/generation/generation-events.js';
import { generationEventSchema } from '../../src/generation/generation-events.js';
import { defineStep } from '../../src/registry/define-step.js';
import { completionInputProperties, followUpInputProperties, toolInputOf, type CompletionInput } from './completion-input.js';
import { resumeGeneration } from './job/resume-generation.js';
import { imagesProperty, type ImageInput } from '../../src/modules/chat_branches/image-attachments.js';
import { refuseImagesWithoutVision } from '../../src/llm/vision.js';
import type { StepContext } from '../../src/registry/define-step.js';
import { CallError } from '../../src/lib/call-error.js';
import { availableTools } from '../../src/modules/tools/list-tools.js';

/**
 * A text-only config gets a 422 before the user message (and its images) is written: after the append, the
 * refusal would leave a message no reply can follow. Without a config named anywhere, complete_stream says so.
 */
async function checkVisionFirst(input: SendInput, context: StepContext): Promise<void> {
  const configFile = input.llm_config_file || (await context.services.store.readSettings(input.conversation_file)).llm_config;
  if (typeof configFile !== 'string' || configFile === '') return;
  refuseImagesWithoutVision(await context.services.llm.loadConfig(configFile), 'the message');
}

/** Tools the request names must exist before the user message is written (422 UNKNOWN_TOOL otherwise). */
async function checkToolsFirst(names: string[], context: StepContext): Promise<void> {
  const available = new Set((await availableTools(context)).map((tool) => tool.name));
  const missing = names.find((name) => !available.has(name));
  if (missing !== undefined) {
    throw new CallError('UNKNOWN_TOOL', `no tool ${missing} (named in "tools" of the request); see modules/tools/list`, {
      details: { tool: missing },
    });
  }
}

interface SendInput extends Pick<CompletionInput, 'tools' | 'tool_choice' | 'max_steps'> {
  conversation_file: string;
  content: string;
  images?: ImageInput[];
  parent_node_id?: string;
  llm_config_file?: string | null;
  include_doc: boolean;
  on_disconnect: 'continue' | 'abort';
  last_event_id?: string;
}

export const send = defineStep<SendInput, GenerationEvent>({
  path: 'workflow/chat_completion/send',
  summary: "Append a user message (under the active leaf, or parent_node_id) and stream the assistant's reply to it.",
  input: {
    type: 'object',
    properties: {
      ...followUpInputProperties,
      content: { type: 'string', minLength: 1, description: "The user's message" },
      images: imagesProperty,
      parent_node_id: { ...completionInputProperties.parent_node_id, description: 'Append under this node; default: the active leaf' },
    },
    required: ['conversation_file', 'content'],
    additionalProperties: false,
  },
  events: generationEventSchema,
  async *stream(input, context) {
    const { conversation_file: file } = input;
    if (input.last_event_id !== undefined) {
      yield* resumeGeneration(file, input.last_event_id, input.on_disconnect, context);
      return;
    }
    if (input.images !== undefined && input.images.length > 0) await checkVisionFirst(input, context);
    if (input.tools !== undefined) await checkToolsFirst(input.tools, context);
    const parentId =
      input.parent_node_id ?? (await context.call<{ node_id: string }>('modules/chat_branches/get_latest_message', { file })).node_id;
    const appended = await context.call<{ node: { node_id: string } }>('modules/chat_branches/append_message', {
      file,
      pid: parentId,
      role: 'user',
      content: input.content,
      ...(input.images === undefined ? {} : { images: input.images }),
      return_mode: 'node',
    });
    yield* context.stream<GenerationEvent>('workflow/chat_completion/complete_stream', {
      conversation_file: file,
      parent_node_id: appended.node.node_id,
      include_doc: input.include_doc,
      on_disconnect: input.on_disconnect,
      ...(input.llm_config_file ? { llm_config_file: input.llm_config_file } : {}),
      ...toolInputOf(input),
    });
  },
});
