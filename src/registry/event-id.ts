/**
 * @module Resumable event ids. A streaming step may tag an event with an id (`<generation_id>:<seq>`);
 * the SSE layer sends it as the `id:` line and a reconnecting client hands it back as `Last-Event-ID`.
 * The tag is a symbol-keyed property, so it never reaches JSON, schemas or the event's fields.
 */

const eventIdKey = Symbol('branchflow.eventId');

export function withEventId<Event extends object>(event: Event, id: string): Event {
  Object.defineProperty(event, eventIdKey, { value: id, enumerable: false });
  return event;
}

export function eventIdOf(event: unknown): string | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const id = (event as Record<symbol, unknown>)[eventIdKey];
  return typeof id === 'string' ? id : undefined;
}
