/**
 * @module Images on a user message: given as data URLs (or as references to files already stored), checked
 * all at once, then stored beside the conversation, and referenced from the node's `attachments` field, so
 * `content` stays the plain text that SmartTavern and hand editors read.
 */
import { CallError } from '../../lib/call-error.js';
import { decodeImageDataUrl, type DecodedImage } from '../../lib/image-data-url.js';
import type { ConversationStore } from '../../store/index.js';

export interface ImageInput {
  data_url?: string;
  file?: string;
}

/** What a node holds per image: the file relative to the conversation folder, never the bytes. */
export interface NodeAttachment {
  type: 'image';
  file: string;
  mime: string;
}

/** At most this many images on one message. */
export const maxImagesPerMessage = 8;

export const imagesProperty = {
  type: 'array',
  maxItems: maxImagesPerMessage,
  description:
    'Images on a user message: `data_url` (data:image/...;base64,..., PNG, JPEG, GIF or WebP, at most 5 MiB) or `file` ' +
    '(an attachment already stored beside the conversation, files/<sha256>.<ext>). Stored as files; the node gets `attachments`.',
  items: {
    type: 'object',
    properties: { data_url: { type: 'string', minLength: 1 }, file: { type: 'string', minLength: 1 } },
    minProperties: 1,
    maxProperties: 1,
    additionalProperties: false,
  },
} as const;

const mimeByExtension: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp' };

/**
 * Checks every image first (decodes, sizes, types; references must exist), then writes the new files: bad input
 * writes nothing. `field` names the input in messages (`images`).
 */
export async function storeImages(
  store: ConversationStore,
  file: string,
  images: ImageInput[],
  field = 'images',
): Promise<NodeAttachment[]> {
  const checked: Array<DecodedImage | NodeAttachment> = [];
  for (const [index, image] of images.entries()) {
    const at = `${field}[${index}]`;
    if (image.data_url !== undefined) checked.push(decodeImageDataUrl(image.data_url, `${at}.data_url`));
    else {
      const reference = image.file!;
      await store.readAttachment(file, reference, `${at}.file`);
      checked.push({ type: 'image', file: reference, mime: mimeByExtension[reference.split('.').pop()!]! });
    }
  }
  const attachments: NodeAttachment[] = [];
  for (const image of checked) {
    if ('type' in image) attachments.push(image);
    else attachments.push({ type: 'image', file: await store.writeAttachment(file, image.bytes, image.extension), mime: image.mime });
  }
  return attachments;
}

/** Images belong on user messages only: the providers take them nowhere else. */
export function checkImageRole(role: string, images: ImageInput[] | undefined): void {
  if (images !== undefined && images.length > 0 && role !== 'user') {
    throw new CallError('BAD_INPUT', `images can be attached to user messages only, not to a ${role} message`, {
      details: { field: 'images' },
    });
  }
}
