/**
 * @module How the fake provider answers, carried in the base URL (`<origin>/p/<profile>/v1`), so that one LLM
 * config file (or one direct URL) names one behaviour and the engine needs no benchmark hooks. Each text chunk
 * is tagged with its sequence number and the gap the fake waited before it (`12.37|xxxx`), which lets the
 * client detect lost or reordered chunks and subtract the intended pacing from the gaps it observes.
 */
export { seededRandom } from '../tests/helpers/seeded-random.js';

export interface ReplyProfile {
  /** Milliseconds from the request to the first text chunk. */
  firstTokenMs: number;
  /** Gap before each later chunk: uniform between these, in whole milliseconds. */
  gapMinMs: number;
  gapMaxMs: number;
  chunkCount: number;
  /** Characters per chunk (the tag counts; at least the tag is sent). */
  chunkSize: number;
  /** Milliseconds between the last text chunk and the finish frame; `holdTailMs`: until the benchmark releases it. */
  tailMs: number;
}

/** A tail this long means: hold the stream open after its last chunk until a `release` over IPC. */
export const holdTailMs = 999_999;

export const instantProfile: ReplyProfile = { firstTokenMs: 0, gapMinMs: 0, gapMaxMs: 0, chunkCount: 32, chunkSize: 8, tailMs: 0 };

export function profileSegment(profile: ReplyProfile): string {
  const { firstTokenMs, gapMinMs, gapMaxMs, chunkCount, chunkSize, tailMs } = profile;
  return `p/${firstTokenMs}_${gapMinMs}_${gapMaxMs}_${chunkCount}_${chunkSize}_${tailMs}`;
}

/** The profile named by a request path such as `/p/0_20_50_64_8_0/v1/chat/completions`. */
export function parseProfile(path: string): { profile: ReplyProfile; rest: string } | undefined {
  const match = /^\/p\/(\d+)_(\d+)_(\d+)_(\d+)_(\d+)_(\d+)(\/.*)$/.exec(path);
  if (!match) return undefined;
  const [firstTokenMs, gapMinMs, gapMaxMs, chunkCount, chunkSize, tailMs] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return { profile: { firstTokenMs, gapMinMs, gapMaxMs, chunkCount, chunkSize, tailMs }, rest: match[7]! };
}

export function chunkText(seq: number, gapMs: number, size: number): string {
  const tag = `${seq}.${gapMs}|`;
  return tag.length >= size ? tag : tag + 'x'.repeat(size - tag.length);
}

/** The tag of a chunk's text, or undefined when the text carries none (not from the fake, or cut). */
export function parseChunkTag(text: string): { seq: number; gapMs: number } | undefined {
  const bar = text.indexOf('|');
  const dot = text.indexOf('.');
  if (bar < 0 || dot < 0 || dot > bar) return undefined;
  const seq = Number(text.slice(0, dot));
  const gapMs = Number(text.slice(dot + 1, bar));
  return Number.isInteger(seq) && Number.isFinite(gapMs) ? { seq, gapMs } : undefined;
}
