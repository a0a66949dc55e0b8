import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { queryToInput, toSnakeCase } from '../../src/http/query-input.js';
import { CallError } from '../../src/lib/call-error.js';
import { testApp } from './test-steps.js';

const schema = {
  type: 'object',
  properties: {
    text: { type: 'string' },
    options: { type: 'object' },
    tags: { type: 'array', items: { type: 'string' } },
    conversation_file: { type: 'string' },
  },
} as const;

const unit = suite('queryToInput');

unit('values stay text for the schema to coerce, access_token is dropped', () => {
  assert.equal(queryToInput(new URLSearchParams('text=a&count=3&access_token=secret'), schema), { text: 'a', count: '3' });
});

unit('camelCase keys become snake_case', () => {
  assert.equal(queryToInput(new URLSearchParams('conversationFile=data/x.json&lastEventID=7'), schema), {
    conversation_file: 'data/x.json',
    last_event_id: '7',
  });
  assert.is(toSnakeCase('conversationFile'), 'conversation_file');
});

unit('an object field is parsed from JSON text', () => {
  assert.equal(queryToInput(new URLSearchParams('options={"depth":2}'), schema), { options: { depth: 2 } });
});

unit('an object field that is not JSON is BAD_INPUT naming the field', () => {
  try {
    queryToInput(new URLSearchParams('options={depth'), schema);
    assert.unreachable();
  } catch (error) {
    assert.instance(error, CallError);
    assert.is((error as CallError).code, 'BAD_INPUT');
    assert.match((error as CallError).message, /^query parameter options must be JSON text: /);
    assert.equal(
      ((error as CallError).details as { field: string }[]).map(({ field }) => field),
      ['/options'],
    );
  }
});

unit('a repeated key keeps its last value, unless the field is an array', () => {
  assert.equal(queryToInput(new URLSearchParams('text=a&text=b&tags=x&tags=y'), schema), { text: 'b', tags: ['x', 'y'] });
});

unit('an array field takes one value, or JSON text', () => {
  assert.equal(queryToInput(new URLSearchParams('tags=x'), schema), { tags: ['x'] });
  assert.equal(queryToInput(new URLSearchParams('tags=["x","y"]'), schema), { tags: ['x', 'y'] });
});

unit.run();

const overHttp = suite('GET input');

async function getInput(query: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const { app } = testApp();
  const response = await app.request(`/api/plugins/test/echo?${query}`, { headers });
  return { status: response.status, body: await response.json() };
}

overHttp('values are coerced by the schema: stream=false is false, count=3 is 3', async () => {
  assert.equal(await getInput('text=hi&stream=false&count=3'), {
    status: 200,
    body: { success: true, input: { text: 'hi', stream: false, count: 3 } },
  });
});

overHttp('camelCase keys reach the snake_case field', async () => {
  assert.equal(await getInput('text=hi&conversationFile=data/conversations/a/conversation.json'), {
    status: 200,
    body: { success: true, input: { text: 'hi', conversation_file: 'data/conversations/a/conversation.json', count: 1, stream: true } },
  });
});

overHttp('JSON object parameters are parsed and validated', async () => {
  assert.equal(await getInput(`text=hi&options=${encodeURIComponent('{"depth":"2"}')}`), {
    status: 200,
    body: { success: true, input: { text: 'hi', options: { depth: 2 }, count: 1, stream: true } },
  });
});

overHttp('a mistyped query value is 400 naming the field', async () => {
  const { status, body } = await getInput('text=hi&count=many');
  assert.is(status, 400);
  assert.equal(
    (body as { error: { details: { field: string }[] } }).error.details.map(({ field }) => field),
    ['/count'],
  );
});

overHttp('the access_token parameter is not input', async () => {
  assert.equal(await getInput('text=hi&access_token=abc'), {
    status: 200,
    body: { success: true, input: { text: 'hi', count: 1, stream: true } },
  });
});

overHttp('Last-Event-ID fills last_event_id when the step declares it', async () => {
  assert.equal(await getInput('text=hi', { 'last-event-id': 'gen-1:4' }), {
    status: 200,
    body: { success: true, input: { text: 'hi', last_event_id: 'gen-1:4', count: 1, stream: true } },
  });
});

overHttp('a last_event_id in the query wins over the header', async () => {
  assert.equal(await getInput('text=hi&last_event_id=gen-1:2', { 'last-event-id': 'gen-1:4' }), {
    status: 200,
    body: { success: true, input: { text: 'hi', last_event_id: 'gen-1:2', count: 1, stream: true } },
  });
});

overHttp('Last-Event-ID is ignored by a step that does not declare last_event_id', async () => {
  const { app } = testApp();
  // `fail` rejects extra fields: had the header become input, this would be a 400, not the step's own 409.
  const response = await app.request('/api/plugins/test/fail', {
    method: 'POST',
    body: '{"code":"CONFLICT"}',
    headers: { 'last-event-id': 'x:1' },
  });
  assert.is(response.status, 409);
});

overHttp.run();
