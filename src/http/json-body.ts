/** @module Reads a POST body as the input object of a step: JSON, an object, and nothing else. */
import { CallError } from '../lib/call-error.js';

/** The parsed body; an empty body is `{}` so a step without required fields can be POSTed bare. */
export async function readJsonBody(request: Request): Promise<Record<string, unknown>> {
  const text = await request.text();
  if (text.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new CallError('BAD_INPUT', `the request body is not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    const kind = body === null ? 'null' : Array.isArray(body) ? 'an array' : `a ${typeof body}`;
    throw new CallError('BAD_INPUT', `the request body must be a JSON object of input fields; got ${kind}`);
  }
  return body as Record<string, unknown>;
}
