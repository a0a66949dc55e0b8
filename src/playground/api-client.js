// The playground's API client: plain steps over fetch, stream URLs for EventSource, the bearer token, errors in words.

const tokenKey = 'branchflow.token';

/** An API failure as the server words it: `{success: false, error: {code, message}}`, or the network's own failure. */
export class ApiError extends Error {
  /**
   * @param {string} code e.g. NOT_FOUND, UNAUTHORIZED, or NETWORK when no reply came
   * @param {string} message
   * @param {number} status the HTTP status, 0 when no reply came
   */
  constructor(code, message, status) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
  }
}

/** The token is kept per tab (sessionStorage): it outlives a reload, not the tab. */
export function storedToken() {
  return sessionStorage.getItem(tokenKey) ?? '';
}

/** @param {string} token */
export function storeToken(token) {
  if (token === '') sessionStorage.removeItem(tokenKey);
  else sessionStorage.setItem(tokenKey, token);
}

/**
 * Runs a plain step: POST /api/<path> with a JSON body.
 * @param {string} path e.g. modules/chat_branches/get
 * @param {object} input
 * @returns {Promise<any>} the reply body
 */
export async function callStep(path, input = {}) {
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
  const token = storedToken();
  if (token !== '') headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(`/api/${path}`, { method: 'POST', headers, body: JSON.stringify(input) });
  } catch (error) {
    throw new ApiError(
      'NETWORK',
      `the server could not be reached for ${path} (${error instanceof Error ? error.message : String(error)}); is branchflow still running?`,
      0,
    );
  }
  return readReply(response, path);
}

/**
 * The URL of a streaming step for EventSource (GET with query parameters, as SmartTavern's snippet does). EventSource
 * cannot send headers, so the token rides along as `access_token`.
 * @param {string} path
 * @param {Record<string, string | undefined>} query entries left undefined or '' are not sent
 */
export function streamUrl(path, query = {}) {
  const parameters = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') parameters.set(key, value);
  const token = storedToken();
  if (token !== '') parameters.set('access_token', token);
  const search = parameters.toString();
  return `/api/${path}${search === '' ? '' : `?${search}`}`;
}

/**
 * Why a stream could not open. EventSource reports only "error", never the status or the body, so the same GET is
 * made again with fetch to read the server's words. Only call this where a repeat is harmless (an idempotent
 * request_id, or a step that left nothing behind when it failed). A stream that does open this time is left running
 * on the server (its reply is saved and the watch shows it); null is returned then.
 * @param {string} url a URL from streamUrl
 * @returns {Promise<ApiError | null>}
 */
export async function explainStreamFailure(url) {
  const controller = new AbortController();
  let response;
  try {
    response = await fetch(url, { headers: { Accept: 'text/event-stream' }, signal: controller.signal });
  } catch (error) {
    return new ApiError(
      'NETWORK',
      `the server could not be reached (${error instanceof Error ? error.message : String(error)}); is branchflow still running?`,
      0,
    );
  }
  if (response.ok) {
    controller.abort();
    return null;
  }
  try {
    await readReply(response, url.split('?')[0] ?? url);
  } catch (error) {
    if (error instanceof ApiError) return error;
  }
  return new ApiError('HTTP', `the server refused the stream with HTTP ${response.status}`, response.status);
}

/**
 * @param {Response} response
 * @param {string} what named in messages about a reply that is not the API's JSON
 */
async function readReply(response, what) {
  const text = await response.text();
  let body;
  try {
    body = text === '' ? {} : JSON.parse(text);
  } catch {
    throw new ApiError(
      'HTTP',
      `${what} answered HTTP ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`,
      response.status,
    );
  }
  if (!response.ok || body?.success === false) {
    const error = body?.error;
    if (error && typeof error.code === 'string' && typeof error.message === 'string')
      throw new ApiError(error.code, error.message, response.status);
    throw new ApiError('HTTP', `${what} answered HTTP ${response.status}`, response.status);
  }
  return body;
}

/** @param {unknown} error */
export function describeError(error) {
  if (error instanceof ApiError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}
