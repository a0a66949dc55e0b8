/** @module Timestamps as SmartTavern writes them (ISO-8601, seconds), in the server's own offset instead of a fixed +08:00. */

export function timestamp(date: Date = new Date()): string {
  const offsetMinutes = -date.getTimezoneOffset();
  const local = new Date(date.getTime() + offsetMinutes * 60_000);
  const sign = offsetMinutes >= 0 ? '+' : '-';
  const absolute = Math.abs(offsetMinutes);
  const offset = `${sign}${pad(Math.floor(absolute / 60))}:${pad(absolute % 60)}`;
  return local.toISOString().slice(0, 19) + offset;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
