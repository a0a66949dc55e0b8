// The playground's two kinds of EventSource: one generation (start, chunk..., saved, end) and the file watch.
import { ApiError, explainStreamFailure } from './api-client.js';

/**
 * @typedef {{ type: string, [field: string]: any }} StreamEvent
 * @typedef {{ error?: ApiError, closedEarly?: boolean }} StreamOutcome
 */

/**
 * Follows one generation through EventSource, exactly as SmartTavern's browser snippet does: unnamed events read in
 * `onmessage`, closed on `end`. A dropped connection is left to EventSource, which reconnects with Last-Event-ID and
 * gets the rest of the same generation (or 204 when it is over).
 * @param {string} url from streamUrl
 * @param {{
 *   onEvent: (event: StreamEvent) => void,
 *   onDone: (outcome: StreamOutcome) => void | Promise<void>,
 *   onConnection?: (text: string) => void,
 *   canRepeat: boolean,
 * }} handlers `canRepeat`: the same GET may be made again to read why it failed (see explainStreamFailure)
 * @returns {{ close(): void }}
 */
export function followGeneration(url, handlers) {
  const source = new EventSource(url);
  let received = false;
  let done = false;
  const finish = (/** @type {StreamOutcome} */ outcome) => {
    if (done) return;
    done = true;
    source.close();
    void handlers.onDone(outcome);
  };

  source.onmessage = (message) => {
    received = true;
    handlers.onConnection?.('');
    let event;
    try {
      event = JSON.parse(message.data);
    } catch {
      finish({ error: new ApiError('BAD_EVENT', `the stream sent an event that is not JSON: ${String(message.data).slice(0, 200)}`, 200) });
      return;
    }
    handlers.onEvent(event);
    if (event.type === 'end') finish({});
  };

  source.onerror = () => {
    if (done) return;
    if (!received) {
      // Refused before the first event: EventSource hides the status and the body, so ask again to show the words.
      source.close();
      const fallback = new ApiError('STREAM', 'the server refused the stream (EventSource does not say why)', 0);
      if (!handlers.canRepeat) {
        finish({ error: fallback });
        return;
      }
      void explainStreamFailure(url).then((error) => finish(error ? { error } : { closedEarly: true }));
      return;
    }
    // CLOSED after events: the server answered the reconnect with 204 (nothing more to send) or with an error.
    if (source.readyState === EventSource.CLOSED) finish({ closedEarly: true });
    else handlers.onConnection?.('The connection dropped; reconnecting to the same generation…');
  };

  return { close: () => finish({ closedEarly: true }) };
}

/**
 * Watches every conversation and config file (`modules/chat_branches/watch`). EventSource retries a dropped
 * connection by itself; a refusal (a wrong token, say) closes it for good, so that case is retried here, with a
 * fresh URL in case the token changed meanwhile.
 * @param {() => string} makeUrl
 * @param {{ onEvent: (event: StreamEvent) => void, onConnection: (state: 'live' | 'retrying' | 'refused') => void }} handlers
 * @returns {{ close(): void }}
 */
export function watchFiles(makeUrl, handlers) {
  let source = /** @type {EventSource | undefined} */ (undefined);
  let retry = /** @type {ReturnType<typeof setTimeout> | undefined} */ (undefined);
  let closed = false;
  const open = () => {
    if (closed) return;
    source = new EventSource(makeUrl());
    // The server sends the headers with the first change, so `open` only comes then; until an error, assume live.
    handlers.onConnection('live');
    source.onmessage = (message) => {
      handlers.onConnection('live');
      try {
        handlers.onEvent(JSON.parse(message.data));
      } catch {
        // A frame that is not JSON says nothing about any file; the next change refreshes the page anyway.
      }
    };
    source.onerror = () => {
      if (source?.readyState === EventSource.CLOSED) {
        handlers.onConnection('refused');
        retry = setTimeout(open, 5000);
      } else {
        handlers.onConnection('retrying');
      }
    };
  };
  open();
  return {
    close() {
      closed = true;
      clearTimeout(retry);
      source?.close();
    },
  };
}
