import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine, type Engine } from '../../src/engine.js';
import { createApp } from '../../src/http/create-app.js';
import { silentLogger } from '../../src/lib/logger.js';
import { startFakeOpenAi, type FakeServer } from '../helpers/fake-openai.js';
import { createTempRoot, type TempRoot } from '../helpers/temp-root.js';
import { baseDoc, testKey } from '../workflows/chat_completion/workflow-kit.js';

const test = suite('GET /metrics');
const token = 'metrics-token-0123';
let root: TempRoot;
let openAi: FakeServer;
let engine: Engine;
let file: string;

test.before(async () => {
  root = createTempRoot('branchflow-metrics-');
  openAi = await startFakeOpenAi();
  const config = root.writeLlmConfig('fake_openai', {
    name: 'fake openai',
    provider: 'openai_compatible',
    base_url: openAi.baseUrl,
    api_key: '${TEST_PROVIDER_KEY}',
    model: 'gpt-test',
  });
  file = root.writeConversation('metrics', baseDoc, { llm_config: config });
  engine = await createEngine({ root: root.root, logger: silentLogger, env: { TEST_PROVIDER_KEY: testKey } });
});
test.after(async () => {
  await engine.close();
  await openAi.close();
  root.cleanup();
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * The exposition format, line by line: every line is a comment (`# HELP`, `# TYPE`) or one sample; else it throws.
 * Values as Prometheus reads them (Go's ParseFloat: `NaN` in any case; prom-client writes `Nan`).
 */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|[Nn]a[Nn]|[+-]Inf)$/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
    ?.value;
}

async function scrape(app: ReturnType<typeof createApp>, headers: Record<string, string> = {}): Promise<Sample[]> {
  const response = await app.request('/metrics', { headers });
  assert.is(response.status, 200);
  assert.is(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  return parseExposition(await response.text());
}

test('a streamed reply is counted, timed and saved; the request is counted under its step', async () => {
  openAi.defaultReply = { chunks: ['Hel', 'lo'] };
  const app = createApp({ registry: engine.api, logger: silentLogger, metrics: engine.metrics });
  const response = await app.request('/api/workflow/chat_completion/complete_stream', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ conversation_file: file, include_doc: false }),
  });
  assert.is(response.status, 200);
  const body = await response.text();
  assert.match(body, /"type":"saved"/);
  const samples = await scrape(app);
  const figures = {
    started: valueOf(samples, 'branchflow_generations_started_total'),
    inFlight: valueOf(samples, 'branchflow_generations_in_flight'),
    completed: valueOf(samples, 'branchflow_generations_finished_total', { outcome: 'completed' }),
    firstChunks: valueOf(samples, 'branchflow_generation_first_chunk_seconds_count'),
    firstChunkUnderAMinute: valueOf(samples, 'branchflow_generation_first_chunk_seconds_bucket', { le: '30' }),
    saves: valueOf(samples, 'branchflow_generation_save_seconds_count'),
    saveErrors: valueOf(samples, 'branchflow_save_errors_total'),
    journalErrors: valueOf(samples, 'branchflow_journal_errors_total'),
    requests: valueOf(samples, 'branchflow_http_requests_total', {
      method: 'POST',
      route: '/api/workflow/chat_completion/complete_stream',
      status: '200',
    }),
  };
  assert.equal(figures, {
    started: 1,
    inFlight: 0,
    completed: 1,
    firstChunks: 1,
    firstChunkUnderAMinute: 1,
    saves: 1,
    saveErrors: 0,
    journalErrors: 0,
    requests: 1,
  });
  assert.ok((valueOf(samples, 'branchflow_process_resident_memory_bytes') ?? 0) > 0, 'Node process figures are there too');
});

test('an unknown step is counted under /api/*, not under its made-up path', async () => {
  const app = createApp({ registry: engine.api, logger: silentLogger, metrics: engine.metrics });
  assert.is((await app.request('/api/workflow/no_such_step_xyz')).status, 404);
  const samples = await scrape(app);
  assert.is(valueOf(samples, 'branchflow_http_requests_total', { method: 'GET', route: '/api/*', status: '404' }), 1);
  assert.equal(
    samples.filter((sample) => sample.labels['route']?.includes('no_such_step_xyz')),
    [],
  );
});

test('with a token set, /metrics needs it like /api', async () => {
  const app = createApp({ registry: engine.api, logger: silentLogger, metrics: engine.metrics, token });
  const refused = await app.request('/metrics');
  assert.is(refused.status, 401);
  assert.is(((await refused.json()) as { error: { code: string } }).error.code, 'UNAUTHORIZED');
  assert.is((await app.request('/metrics', { headers: { authorization: 'Bearer wrong' } })).status, 401);
  const samples = await scrape(app, { authorization: `Bearer ${token}` });
  assert.ok(samples.some((sample) => sample.name === 'branchflow_http_requests_total'));
});

test('without metrics given, there is no /metrics route', async () => {
  const app = createApp({ registry: engine.api, logger: silentLogger });
  assert.is((await app.request('/metrics')).status, 404);
});

test.run();
