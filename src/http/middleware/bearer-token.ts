/**
 * @module The optional bearer token on /api: `Authorization: Bearer <token>`, or `?access_token=` for EventSource,
 * which cannot set headers. Compared in constant time; the token itself is never logged.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { CallError } from '../../lib/call-error.js';

export function requireToken(token: string): MiddlewareHandler {
  // Hashing first gives equal-length buffers, so neither the comparison nor its length check leaks anything.
  const expected = digest(token);
  return async function bearerToken(context, next) {
    const header = context.req.header('authorization');
    const fromHeader = header === undefined ? undefined : /^Bearer\s+(.+)$/i.exec(header.trim())?.[1];
    const given = fromHeader ?? new URL(context.req.url).searchParams.get('access_token') ?? undefined;
    if (given === undefined || !timingSafeEqual(digest(given), expected)) {
      context.header('WWW-Authenticate', 'Bearer realm="branchflow"');
      const problem = given === undefined ? 'no token was sent' : 'the token is wrong';
      throw new CallError(
        'UNAUTHORIZED',
        `${problem}: this server needs BRANCHFLOW_TOKEN as "Authorization: Bearer <token>" or "?access_token=<token>"`,
      );
    }
    await next();
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
