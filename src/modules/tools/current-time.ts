/** @module `modules/tools/current_time`: a tool every model lacks and every offline set-up can answer: the time in a zone. */
import { CallError } from '../../lib/call-error.js';
import { defineStep } from '../../registry/define-step.js';

interface TimeOutput {
  time_zone: string;
  /** ISO-8601 with the zone's offset, e.g. 2026-12-06T13:05:09+09:00 */
  local_time: string;
  weekday: string;
}

export const currentTime = defineStep<{ time_zone: string }, TimeOutput>({
  path: 'modules/tools/current_time',
  summary: 'The current date and time in an IANA time zone (e.g. Europe/Paris, Asia/Tokyo, UTC).',
  tool: true,
  input: {
    type: 'object',
    properties: { time_zone: { type: 'string', minLength: 1, default: 'UTC', description: 'IANA time zone name' } },
    additionalProperties: false,
  },
  output: {
    type: 'object',
    properties: { time_zone: { type: 'string' }, local_time: { type: 'string' }, weekday: { type: 'string' } },
    required: ['time_zone', 'local_time', 'weekday'],
    additionalProperties: false,
  },
  async run({ time_zone }) {
    return timeIn(time_zone, new Date());
  },
});

export function timeIn(timeZone: string, now: Date): TimeOutput {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'long',
      timeZoneName: 'longOffset',
    });
  } catch {
    throw new CallError('BAD_INPUT', `time_zone ${timeZone} is not an IANA time zone (e.g. Europe/Paris)`);
  }
  const parts = Object.fromEntries(format.formatToParts(now).map((part) => [part.type, part.value]));
  const offset = parts['timeZoneName'] === 'GMT' ? '+00:00' : (parts['timeZoneName'] ?? '').replace('GMT', '');
  const local = `${parts['year']}-${parts['month']}-${parts['day']}T${parts['hour']}:${parts['minute']}:${parts['second']}${offset}`;
  return { time_zone: format.resolvedOptions().timeZone, local_time: local, weekday: parts['weekday'] ?? '' };
}
