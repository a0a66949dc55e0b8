/**
 * @module Messages and config in Gemini's terms: system messages become the system instruction, assistant
 * turns the `model` role, sampling fields the generation config, `thinking` the thinking config (thought
 * summaries, budget), `safety_settings` the safety settings;
 * `custom_params` go into the body as written (generation-config keys under `generationConfig`).
 */
import type { Content, GenerateContentConfig, Part } from '@google/genai';
import type { LlmConfig } from '../../config/config-schema.js';
import type { ChatMessage } from '../../provider.js';
import { reasoningToSend, type ReasoningPolicy } from '../../reasoning-policy.js';

const generationConfigKeys = [
  'temperature',
  'topP',
  'topK',
  'candidateCount',
  'maxOutputTokens',
  'stopSequences',
  'presencePenalty',
  'frequencyPenalty',
  'seed',
  'responseMimeType',
  'responseSchema',
  'responseJsonSchema',
  'responseModalities',
  'responseLogprobs',
  'logprobs',
  'thinkingConfig',
  'mediaResolution',
  'speechConfig',
];
const snakeCase = (key: string): string => key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
/** Both spellings: the REST API reads proto JSON, which accepts `topK` and `top_k` alike. */
const generationKeys: ReadonlySet<string> = new Set(generationConfigKeys.flatMap((key) => [key, snakeCase(key)]));

export interface GeminiMessages {
  contents: Content[];
  systemInstruction?: Content;
}

/** `policy`: which stored reasoning goes back, as a thought part before the turn's text (default: none). */
export function convertMessages(messages: ChatMessage[], policy?: ReasoningPolicy): GeminiMessages {
  const system = messages.filter((message) => message.role === 'system').map((message) => message.content);
  const contents: Content[] = [];
  for (const message of messages) {
    if (message.role === 'system') continue;
    const role = message.role === 'assistant' ? 'model' : 'user';
    const reasoning = policy === undefined ? undefined : reasoningToSend(message, policy);
    const parts: Part[] = [
      ...(reasoning === undefined ? [] : [{ text: reasoning, thought: true }]),
      { text: message.content },
      ...(message.images ?? []).map((image) => ({ inlineData: { mimeType: image.mime, data: image.data } })),
    ];
    const last = contents.at(-1);
    // Turns of one role in a row become one turn with several parts: older models insist on alternation.
    if (last?.role === role) last.parts?.push(...parts);
    else contents.push({ role, parts });
  }
  if (system.length === 0) return { contents };
  const instruction = system.join('\n\n');
  // Gemini refuses a request with no contents; a lone system prompt is then sent as the user turn.
  if (contents.length === 0) return { contents: [{ role: 'user', parts: [{ text: instruction }] }] };
  return { contents, systemInstruction: { parts: [{ text: instruction }] } };
}

export function buildGeminiConfig(config: LlmConfig): GenerateContentConfig {
  const generation: GenerateContentConfig = {};
  if (config.temperature != null) generation.temperature = config.temperature;
  if (config.top_p != null) generation.topP = config.top_p;
  if (config.max_tokens != null) generation.maxOutputTokens = config.max_tokens;
  if (config.presence_penalty != null) generation.presencePenalty = config.presence_penalty;
  if (config.frequency_penalty != null) generation.frequencyPenalty = config.frequency_penalty;
  if (config.safety_settings) generation.safetySettings = config.safety_settings;
  const thinking = config.thinking;
  if (thinking?.include_thoughts != null || thinking?.budget_tokens != null) {
    generation.thinkingConfig = {
      ...(thinking.include_thoughts == null ? {} : { includeThoughts: thinking.include_thoughts }),
      ...(thinking.budget_tokens == null ? {} : { thinkingBudget: thinking.budget_tokens }),
    };
  }
  const extraBody = customBody(config.custom_params ?? {});
  if (Object.keys(extraBody).length > 0) generation.httpOptions = { extraBody };
  return generation;
}

/** `custom_params` as body fields; the SDK deep-merges them into the request it builds. */
function customBody(custom: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const generationConfig: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(custom)) {
    if (generationKeys.has(key)) generationConfig[key] = value;
    else if ((key === 'generationConfig' || key === 'generation_config') && typeof value === 'object' && value !== null) {
      Object.assign(generationConfig, value);
    } else body[key] = value;
  }
  if (Object.keys(generationConfig).length > 0) body['generationConfig'] = generationConfig;
  return body;
}
