/**
 * @module What a scenario can send the same work to: the fake provider `direct`, the bare `relay`, a real gateway
 * `peer` (Portkey's, OpenAI wire only), the `engine` (`complete_stream` / `complete` over real HTTP, the reply saved
 * into a conversation) and the engine `stateless` (`modules/llm_api/chat_stream` / `chat`: the given messages to
 * the provider, nothing saved). One client reads them all; only the reading of a frame differs (OpenAI chunk,
 * Gemini response, Anthropic Messages event, branchflow event). Each stream is checked as it is read: every chunk
 * tagged, in order, none missing, and the engine's SSE ids consecutive.
 */
import { configFileFor } from './bench-root.js';
import type { Dialect, Message } from './wire.js';
import { parseChunkTag, profileSegment, type ReplyProfile } from './reply-profile.js';
import { postJson, readStream } from './sse-reader.js';

export type TargetKind = 'direct' | 'relay' | 'peer' | 'engine' | 'stateless';
export interface StreamSpec {
  profile: ReplyProfile;
  dialect: Dialect;
  /** What the engine would send for `conversation`: the direct request sends exactly these. */
  messages: Message[];
  /** Engine only: where the reply is saved. */
  conversation: { file: string; parentId: string };
  /** Receives, for each paced chunk after the first, observed gap minus the gap the fake intended (ms). */
  addedGaps?: number[];
  keepText?: boolean;
  /** Called once, when the last chunk arrives (the persistence scenario starts watching the engine there). */
  onLastChunk?: () => void;
}

export interface StreamRecord {
  startedAt: number;
  headersAt: number;
  firstChunkAt?: number;
  lastChunkAt?: number;
  /** The provider's stream ended: OpenAI's finish chunk, Gemini's finishReason, the engine's `finish` event. */
  finishAt?: number;
  /** Engine only: the `saved` event (the reply is durable). */
  savedAt?: number;
  endedAt: number;
  chunks: number;
  /** Lost, reordered or untagged chunks, broken SSE ids, error events, a missing end: empty when all is well. */
  problems: string[];
  nodeId?: string;
  text?: string;
  /** Engine only: the type of the last event, which must be `end`. */
  lastEventType?: string;
}

export interface Origins {
  fake: string;
  relay?: string;
  peer?: string;
  engine?: string;
}

/** The engine's two ways in: a reply saved into a conversation, or the provider called with the given messages. */
const isEngine = (kind: TargetKind): kind is 'engine' | 'stateless' => kind === 'engine' || kind === 'stateless';

export function streamOnce(kind: TargetKind, origins: Origins, spec: StreamSpec): Promise<StreamRecord> {
  const record: StreamRecord = { startedAt: 0, headersAt: 0, endedAt: 0, chunks: 0, problems: [] };
  if (spec.keepText) record.text = '';
  const chunk = chunkChecker(record, spec);
  let onFrame: (data: string, id: string | undefined, at: number) => void;
  let request: ProviderRequest;
  if (isEngine(kind)) {
    const step = kind === 'engine' ? 'workflow/chat_completion/complete_stream' : 'modules/llm_api/chat_stream';
    request = { url: `${origins.engine}/api/${step}`, body: engineInput(kind, spec) };
    onFrame = engineFrames(record, chunk);
  } else {
    request = providerRequest(kind, origins, spec, true);
    onFrame =
      spec.dialect === 'openai'
        ? openAiFrames(record, chunk)
        : spec.dialect === 'gemini'
          ? geminiFrames(record, chunk)
          : anthropicFrames(record, chunk);
  }
  return readStream({ ...request, onFrame }).then((timing) => {
    Object.assign(record, timing);
    if (record.chunks !== spec.profile.chunkCount) record.problems.push(`${record.chunks} of ${spec.profile.chunkCount} chunks arrived`);
    if (record.finishAt === undefined) record.problems.push('no finish');
    if (kind === 'engine' && record.savedAt === undefined) record.problems.push('no saved event');
    if (isEngine(kind) && record.lastEventType !== 'end') record.problems.push(`last event ${record.lastEventType}, not end`);
    return record;
  });
}

/**
 * A non-streaming answer: the provider's JSON, the engine's `complete` (which answers once the node is saved) or
 * its stateless `chat`.
 */
export async function completeOnce(kind: TargetKind, origins: Origins, spec: StreamSpec): Promise<{ startedAt: number; endedAt: number }> {
  if (isEngine(kind)) {
    const step = kind === 'engine' ? 'workflow/chat_completion/complete' : 'modules/llm_api/chat';
    const reply = await postJson(`${origins.engine}/api/${step}`, engineInput(kind, spec));
    if ((reply.value as { success?: boolean }).success !== true)
      throw new Error(`${step} did not succeed: ${JSON.stringify(reply.value).slice(0, 200)}`);
    return reply;
  }
  const { url, body, headers } = providerRequest(kind, origins, spec, false);
  return postJson(url, body, headers);
}

function engineInput(kind: 'engine' | 'stateless', spec: StreamSpec): Record<string, unknown> {
  if (kind === 'stateless') return { messages: spec.messages, config_file: configFileFor(spec.profile, spec.dialect) };
  return {
    conversation_file: spec.conversation.file,
    parent_node_id: spec.conversation.parentId,
    llm_config_file: configFileFor(spec.profile, spec.dialect),
    // The doc is the whole conversation; a client streaming tokens does not want it.
    include_doc: false,
  };
}

interface ProviderRequest {
  url: string;
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * The request the engine's SDKs send for these messages, to the same profile URL: at the fake itself, through the
 * bare relay, or through the peer gateway, which is told where the provider is by its routing headers.
 */
function providerRequest(kind: 'direct' | 'relay' | 'peer', origins: Origins, spec: StreamSpec, stream: boolean): ProviderRequest {
  if (kind === 'peer') {
    if (spec.dialect !== 'openai') throw new Error(`the peer gateway is measured on the OpenAI wire only, not ${spec.dialect}`);
    return {
      url: `${origins.peer}/v1/chat/completions`,
      body: openAiBody(spec, stream),
      headers: { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${origins.fake}/${profileSegment(spec.profile)}/v1` },
    };
  }
  const base = `${kind === 'relay' ? origins.relay! : origins.fake}/${profileSegment(spec.profile)}`;
  if (spec.dialect === 'openai') return { url: `${base}/v1/chat/completions`, body: openAiBody(spec, stream) };
  if (spec.dialect === 'anthropic') {
    const system = spec.messages.filter((message) => message.role === 'system').map((message) => message.content);
    return {
      url: `${base}/v1/messages`,
      body: {
        model: 'bench-model',
        max_tokens: 4096,
        ...(system.length > 0 ? { system: system.join('\n\n') } : {}),
        messages: spec.messages.filter((message) => message.role !== 'system'),
        stream,
      },
    };
  }
  const system = spec.messages.filter((message) => message.role === 'system').map((message) => ({ text: message.content }));
  const contents = spec.messages
    .filter((message) => message.role !== 'system')
    .map((message) => ({ role: message.role === 'assistant' ? 'model' : 'user', parts: [{ text: message.content }] }));
  return {
    url: `${base}/v1beta/models/bench-model:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
    body: { contents, ...(system.length > 0 ? { systemInstruction: { parts: system } } : {}), generationConfig: {} },
  };
}

function openAiBody(spec: StreamSpec, stream: boolean): unknown {
  return { model: 'bench-model', messages: spec.messages, stream, ...(stream ? { stream_options: { include_usage: true } } : {}) };
}

type ChunkSink = (text: string, at: number) => void;

function chunkChecker(record: StreamRecord, spec: StreamSpec): ChunkSink {
  let previousAt = 0;
  return (text, at) => {
    const tag = parseChunkTag(text);
    if (tag === undefined) record.problems.push(`untagged chunk ${JSON.stringify(text.slice(0, 20))}`);
    else if (tag.seq !== record.chunks) record.problems.push(`chunk ${tag.seq} arrived as number ${record.chunks}`);
    else if (tag.seq > 0 && spec.addedGaps) spec.addedGaps.push(at - previousAt - tag.gapMs);
    record.chunks++;
    record.firstChunkAt ??= at;
    record.lastChunkAt = at;
    previousAt = at;
    if (record.text !== undefined) record.text += text;
    if (record.chunks === spec.profile.chunkCount) spec.onLastChunk?.();
  };
}

function openAiFrames(record: StreamRecord, chunk: ChunkSink) {
  return (data: string, _id: string | undefined, at: number): void => {
    if (data === '[DONE]') return;
    const parsed = JSON.parse(data) as { choices?: Array<{ delta?: { content?: string | null }; finish_reason?: string | null }> };
    const choice = parsed.choices?.[0];
    const text = choice?.delta?.content;
    if (typeof text === 'string' && text !== '') chunk(text, at);
    if (choice?.finish_reason) record.finishAt = at;
  };
}

function geminiFrames(record: StreamRecord, chunk: ChunkSink) {
  return (data: string, _id: string | undefined, at: number): void => {
    const parsed = JSON.parse(data) as { candidates?: Array<{ content?: { parts?: Array<{ text?: string }> }; finishReason?: string }> };
    const candidate = parsed.candidates?.[0];
    const text = (candidate?.content?.parts ?? []).map((part) => part.text ?? '').join('');
    if (text !== '') chunk(text, at);
    if (candidate?.finishReason) record.finishAt = at;
  };
}

function anthropicFrames(record: StreamRecord, chunk: ChunkSink) {
  return (data: string, _id: string | undefined, at: number): void => {
    const parsed = JSON.parse(data) as { type?: string; delta?: { type?: string; text?: string; stop_reason?: string | null } };
    if (parsed.type === 'content_block_delta' && parsed.delta?.type === 'text_delta' && parsed.delta.text) chunk(parsed.delta.text, at);
    else if (parsed.type === 'message_delta' && parsed.delta?.stop_reason) record.finishAt = at;
  };
}

function engineFrames(record: StreamRecord, chunk: ChunkSink) {
  let previousSeq = 0;
  return (data: string, id: string | undefined, at: number): void => {
    const event = JSON.parse(data) as { type: string; content?: string; node_id?: string; code?: string; message?: string };
    const seq = Number(id?.slice(id.lastIndexOf(':') + 1));
    if (id !== undefined && seq !== previousSeq + 1) record.problems.push(`SSE id ${id} after seq ${previousSeq}`);
    if (id !== undefined) previousSeq = seq;
    record.lastEventType = event.type;
    if (event.type === 'chunk') chunk(event.content ?? '', at);
    else if (event.type === 'finish') record.finishAt = at;
    else if (event.type === 'saved') {
      record.savedAt = at;
      if (event.node_id !== undefined) record.nodeId = event.node_id;
    } else if (event.type === 'error') record.problems.push(`error event ${event.code}: ${event.message}`);
  };
}
