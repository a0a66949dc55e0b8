/**
 * @module Messages and config in Gemini's terms: system messages become the system instruction, assistant
 * turns the `model` role, sampling fields the generation config, `thinking` the thinking config (thought
 * summaries, budget), `safety_settings` the safety settings, offered tools `functionDeclarations` and
 * `toolConfig`; an assistant step's calls are `functionCall` parts (with their `thoughtSignature`), tool results
 * `functionResponse` parts of a user turn; `custom_params` go into the body as written (generation-config keys
 * under `generationConfig`).
 */
import { FunctionCallingConfigMode, type Content, type GenerateContentConfig, type Part, type ToolConfig } from '@google/genai';
import type { LlmConfig } from '../../config/config-schema.js';
import type { ChatMessage, ChatRequest, ProviderToolCall, ToolChoice } from '../../provider.js';
import { geminiSignaturesToSend, geminiThoughtToSend, type ReasoningPolicy } from '../../reasoning-policy.js';
import { isGeneratedToolCallId } from '../../transport/tool-call-id.js';

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

/**
 * `policy`: which stored reasoning goes back: thought text as a thought part before the turn's text, and the
 * functionCall parts' `thoughtSignature` (default: none of it).
 */
export function convertMessages(messages: ChatMessage[], policy?: ReasoningPolicy): GeminiMessages {
  const system = messages.filter((message) => message.role === 'system').map((message) => message.content);
  const contents: Content[] = [];
  const callNames = new Map(messages.flatMap((message) => (message.tool_calls ?? []).map((call) => [call.id, call.name] as const)));
  for (const message of messages) {
    if (message.role === 'system') continue;
    const role = message.role === 'assistant' ? 'model' : 'user';
    let parts: Part[];
    if (message.role === 'tool') parts = [functionResponsePart(message, callNames)];
    else if (message.role === 'assistant' && (message.tool_calls?.length ?? 0) > 0) parts = stepParts(message, policy);
    else {
      const reasoning = policy === undefined ? undefined : geminiThoughtToSend(message, policy);
      parts = [
        ...(reasoning === undefined ? [] : [{ text: reasoning, thought: true }]),
        { text: message.content },
        ...(message.images ?? []).map((image) => ({ inlineData: { mimeType: image.mime, data: image.data } })),
      ];
    }
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

/** A model step that called tools: its thought (under `always`), its text when it said any, one functionCall part per call. */
function stepParts(message: ChatMessage, policy: ReasoningPolicy | undefined): Part[] {
  const reasoning = policy === undefined ? undefined : geminiThoughtToSend(message, policy);
  const signatures = policy !== undefined && geminiSignaturesToSend(message, policy);
  return [
    ...(reasoning === undefined ? [] : [{ text: reasoning, thought: true }]),
    ...(message.content === '' ? [] : [{ text: message.content }]),
    ...(message.tool_calls ?? []).map((call) => functionCallPart(call, signatures)),
  ];
}

function functionCallPart(call: ProviderToolCall, signatures: boolean): Part {
  return {
    functionCall: { name: call.name, args: argumentsObject(call.arguments), ...providerId(call.id) },
    ...(signatures && call.thought_signature !== undefined ? { thoughtSignature: call.thought_signature } : {}),
  };
}

/** `{result}` or, for a failed call, `{error}`: the shape Google documents for a function's response. */
function functionResponsePart(message: ChatMessage, callNames: ReadonlyMap<string, string>): Part {
  const id = message.tool_call_id ?? '';
  return {
    functionResponse: {
      name: message.tool_name ?? callNames.get(id) ?? '',
      ...providerId(id),
      response: message.is_error === true ? { error: message.content } : { result: message.content },
    },
  };
}

/** An id Gemini gave goes back; one branchflow made up (Gemini usually gives none) does not. */
function providerId(id: string): { id?: string } {
  return id === '' || isGeneratedToolCallId(id) ? {} : { id };
}

/** Gemini's args are an object: arguments that are no JSON object (a model's broken JSON) go back as `{}`. */
function argumentsObject(text: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The offered tools as one `functionDeclarations` tool (parameters as JSON Schema), and the choice as `toolConfig`. */
export function buildGeminiTools(request: ChatRequest): Pick<GenerateContentConfig, 'tools' | 'toolConfig'> {
  const tools = request.tools ?? [];
  if (tools.length === 0) return {};
  const declarations = tools.map((tool) => ({ name: tool.name, description: tool.description, parametersJsonSchema: tool.parameters }));
  return {
    tools: [{ functionDeclarations: declarations }],
    ...(request.tool_choice === undefined ? {} : { toolConfig: toolConfigOf(request.tool_choice) }),
  };
}

function toolConfigOf(choice: ToolChoice): ToolConfig {
  if (choice === 'auto') return { functionCallingConfig: { mode: FunctionCallingConfigMode.AUTO } };
  if (choice === 'none') return { functionCallingConfig: { mode: FunctionCallingConfigMode.NONE } };
  if (choice === 'required') return { functionCallingConfig: { mode: FunctionCallingConfigMode.ANY } };
  return { functionCallingConfig: { mode: FunctionCallingConfigMode.ANY, allowedFunctionNames: [choice.name] } };
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
