/**
 * @module Images given as data URLs (`data:image/png;base64,...`): decoded, size-checked, and typed by their
 * magic bytes, never by what the URL claims, so a renamed PDF or a script is refused before anything is written.
 */
import { CallError } from './call-error.js';

/** The largest image accepted, decoded: Anthropic's per-image limit, the smallest of the three providers. */
export const maxImageBytes = 5 * 1024 * 1024;

export interface ImageKind {
  mime: 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp';
  extension: 'png' | 'jpg' | 'gif' | 'webp';
}

export interface DecodedImage extends ImageKind {
  bytes: Buffer;
}

const dataUrlPattern = /^data:([a-z0-9.+/-]*)((?:;[a-z0-9-]+=[^;,]*)*);base64,([A-Za-z0-9+/\s]*={0,2}\s*)$/i;

/** `field` names the input in messages (e.g. `images[0].data_url`). */
export function decodeImageDataUrl(value: string, field: string): DecodedImage {
  const match = dataUrlPattern.exec(value.slice(0, 200).includes(',') ? value : '');
  if (!match) {
    throw new CallError('BAD_INPUT', `${field} is not a base64 data URL (data:image/png;base64,...)`, { details: { field } });
  }
  const base64 = match[3]!.replace(/\s/g, '');
  // Four base64 characters are three bytes: an upload far too large is refused before it is decoded.
  if ((base64.length / 4) * 3 > maxImageBytes + 3) throw tooLarge(field, Math.floor((base64.length / 4) * 3));
  if (base64.length % 4 !== 0)
    throw new CallError('BAD_INPUT', `${field}: the base64 data does not decode (its length is not a multiple of 4)`, {
      details: { field },
    });
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length === 0) throw new CallError('BAD_INPUT', `${field} holds no data`, { details: { field } });
  if (bytes.length > maxImageBytes) throw tooLarge(field, bytes.length);
  const kind = imageKind(bytes);
  if (kind === undefined) {
    throw new CallError('BAD_INPUT', `${field} is not a PNG, JPEG, GIF or WebP image (checked by its content, not its name or type)`, {
      details: { field },
    });
  }
  return { ...kind, bytes };
}

/** The image type by its first bytes; undefined for anything else. */
export function imageKind(bytes: Buffer): ImageKind | undefined {
  const starts = (signature: number[], offset = 0): boolean => signature.every((byte, index) => bytes[offset + index] === byte);
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { mime: 'image/png', extension: 'png' };
  if (starts([0xff, 0xd8, 0xff])) return { mime: 'image/jpeg', extension: 'jpg' };
  if (starts([0x47, 0x49, 0x46, 0x38])) return { mime: 'image/gif', extension: 'gif' };
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return { mime: 'image/webp', extension: 'webp' };
  return undefined;
}

function tooLarge(field: string, bytes: number): CallError {
  return new CallError('PAYLOAD_TOO_LARGE', `${field} is ${bytes} bytes; an image may be at most ${maxImageBytes} bytes (5 MiB)`, {
    details: { field, limit: maxImageBytes },
  });
}
