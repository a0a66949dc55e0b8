/** @module The input of a step from an HTTP request: the JSON body (POST) or the query (GET), plus the resume id. */
import type { Step } from '../registry/define-step.js';
import { readJsonBody } from './json-body.js';
import { queryToInput } from './query-input.js';

export interface StepInput {
  input: Record<string, unknown>;
  /** Query text must be coerced by the schema (`"3"` to 3); a JSON body already has its types. */
  coerce: boolean;
}

export async function readStepInput(request: Request, step: Step): Promise<StepInput> {
  const fromQuery = request.method === 'GET';
  const input = fromQuery ? queryToInput(new URL(request.url).searchParams, step.input) : await readJsonBody(request);
  // EventSource resends the id of the last frame it saw when it reconnects; a resumable step declares
  // `last_event_id` to receive it. An id given explicitly in the query or body wins over the header.
  const lastEventId = request.headers.get('last-event-id');
  if (lastEventId !== null && declaresProperty(step, 'last_event_id') && input['last_event_id'] === undefined) {
    input['last_event_id'] = lastEventId;
  }
  return { input, coerce: fromQuery };
}

function declaresProperty(step: Step, name: string): boolean {
  const properties = step.input['properties'];
  return typeof properties === 'object' && properties !== null && Object.hasOwn(properties, name);
}
