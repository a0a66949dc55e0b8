/**
 * @module `GET /api/attachment?conversation_file=<file>&attachment=files/<sha256>.<ext>`: an image attached to a
 * message, as its bytes, for an `<img>` in the playground. Read through the registry's
 * `modules/chat_branches/read_attachment` (so the store's sandbox and every back end apply); behind the same
 * guards as every /api route, the token included (`?access_token=` for an `<img>`, which cannot send headers).
 * The name is the content's hash, so the answer never changes: cached for a year, `immutable`, and `private`
 * because it may need a token.
 */
import type { Context } from 'hono';
import { CallError } from '../lib/call-error.js';
import type { Registry } from '../registry/registry.js';
import type { AppEnv } from './app-env.js';

export const attachmentRoutePath = '/api/attachment';

interface AttachmentReply {
  attachment: string;
  media_type: string;
  data_base64: string;
}

export function attachmentHandler(registry: Registry) {
  return async function serveAttachment(context: Context<AppEnv>): Promise<Response> {
    const query = new URL(context.req.url).searchParams;
    const input: Record<string, string> = {};
    for (const name of ['conversation_file', 'file', 'attachment']) {
      const value = query.get(name);
      if (value !== null) input[name] = value;
    }
    if (input['attachment'] === undefined)
      throw new CallError('BAD_INPUT', 'input is invalid: /attachment is required (files/<sha256>.<png|jpg|gif|webp>)');
    const reply = await registry.call<AttachmentReply>('modules/chat_branches/read_attachment', input, {
      signal: context.req.raw.signal,
    });
    const bytes = Buffer.from(reply.data_base64, 'base64');
    const etag = `"${reply.attachment.slice('files/'.length, reply.attachment.lastIndexOf('.'))}"`;
    const headers = {
      'Content-Type': reply.media_type,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'private, max-age=31536000, immutable',
      ETag: etag,
      // Opened on its own, the image may not run anything, even if a browser took it for something else.
      'Content-Security-Policy': "default-src 'none'; sandbox",
      'Cross-Origin-Resource-Policy': 'same-origin',
    };
    if (context.req.header('if-none-match') === etag) return new Response(null, { status: 304, headers });
    return new Response(bytes, { status: 200, headers: { ...headers, 'Content-Length': String(bytes.length) } });
  };
}
