import { rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadDotEnv } from '../../src/llm/config/dot-env.js';
import { createLlmService } from '../../src/llm/llm-service.js';
import { silentLogger } from '../../src/lib/logger.js';
import { capturingLogger, failure, tempRoot } from './llm-test-kit.js';

const openaiConfig = { name: 'OpenAI', provider: 'openai', api_key: '${TEST_OPENAI_KEY}', model: 'gpt-4' };
let fixture: Awaited<ReturnType<typeof tempRoot>>;

const test = suite('llm service: config files');

test.before(async () => {
  fixture = await tempRoot({
    'data/llm_configs/openai.json': openaiConfig,
    'data/llm_configs/gemini_pro/llm_config.json': {
      provider: 'gemini',
      api_key: '${TEST_GEMINI_KEY:-gm-default-key}',
      model: 'gemini-pro',
    },
    'data/llm_configs/broken.json': '{\n  "provider": "openai",\n  "model": "x",,\n}',
    'data/llm_configs/wrong_types.json': { provider: 'openai', temperature: 'hot', mock: { chunk_size: 0 } },
    'data/llm_configs/cohere.json': { provider: 'cohere', api_key: 'k' },
    'data/llm_configs/extra.json': { provider: 'mock', gemini_config: {}, colour: 'blue' },
    'data/llm_configs/bad_placeholder.json': { provider: 'mock', name: '${not valid}' },
    'data/secret.json': { provider: 'mock' },
  });
  await symlink(join(fixture.root, 'data/secret.json'), join(fixture.root, 'data/llm_configs/escape.json'));
  await symlink(join(fixture.root, 'data/llm_configs/gemini_pro'), join(fixture.root, 'data/llm_configs/alias'));
});

test.after(() => fixture.remove());

const service = (env: Record<string, string> = {}, logger = silentLogger) => createLlmService({ root: fixture.root, logger, env });

test('a <name>.json file loads with its placeholders resolved', async () => {
  const loaded = await service({ TEST_OPENAI_KEY: 'sk-test-123456' }).loadConfig('data/llm_configs/openai.json');
  assert.equal(loaded, {
    file: 'data/llm_configs/openai.json',
    label: 'config data/llm_configs/openai.json',
    config: { ...openaiConfig, api_key: 'sk-test-123456' },
    unknownFields: [],
  });
});

test('<name>/llm_config.json loads by its path or by its folder', async () => {
  const byFile = await service().loadConfig('data/llm_configs/gemini_pro/llm_config.json');
  const byFolder = await service().loadConfig('data/llm_configs/gemini_pro');
  assert.is(byFile.config.api_key, 'gm-default-key');
  assert.is(byFolder.file, 'data/llm_configs/gemini_pro/llm_config.json');
});

test('a link that stays inside llm_configs is followed', async () => {
  const loaded = await service().loadConfig('data/llm_configs/alias/llm_config.json');
  assert.is(loaded.config.model, 'gemini-pro');
});

test('a path outside llm_configs is FORBIDDEN', async () => {
  for (const file of ['data/secret.json', 'data/llm_configs/../secret.json', '/etc/passwd', '../outside.json']) {
    const error = await failure(service().loadConfig(file));
    assert.is(error.code, 'FORBIDDEN', file);
    assert.match(error.message, 'outside data/llm_configs/');
  }
});

test('a link leading outside llm_configs is FORBIDDEN', async () => {
  const error = await failure(service().loadConfig('data/llm_configs/escape.json'));
  assert.is(error.code, 'FORBIDDEN');
  assert.match(error.message, 'config file data/llm_configs/escape.json leads outside data/llm_configs/ through a link');
});

test('a config located before is located again when it became a link leading outside, or went away', async () => {
  const llm = service();
  const file = 'data/llm_configs/swapped.json';
  const path = join(fixture.root, file);
  await writeFile(path, JSON.stringify({ provider: 'mock', model: 'first' }));
  assert.is((await llm.loadConfig(file)).config.model, 'first');
  await writeFile(path + '.next', JSON.stringify({ provider: 'mock', model: 'second' }));
  await rename(path + '.next', path);
  assert.is((await llm.loadConfig(file)).config.model, 'second', 'a file replaced by rename is read again');
  await rm(path);
  await symlink(join(fixture.root, 'data/secret.json'), path);
  const error = await failure(llm.loadConfig(file));
  assert.is(error.code, 'FORBIDDEN');
  await rm(path);
  assert.is((await failure(llm.loadConfig(file))).code, 'NOT_FOUND');
});

test('a missing file is NOT_FOUND naming it', async () => {
  const error = await failure(service().loadConfig('data/llm_configs/nope.json'));
  assert.is(error.code, 'NOT_FOUND');
  assert.is(error.message, 'no config file data/llm_configs/nope.json');
});

test('invalid JSON is INVALID_FILE with the file, line and column', async () => {
  const error = await failure(service().loadConfig('data/llm_configs/broken.json'));
  assert.is(error.code, 'INVALID_FILE');
  assert.match(error.message, /^config file data\/llm_configs\/broken\.json is not valid JSON at line 3 column 16: /);
});

test('a schema violation is INVALID_FILE with each JSON pointer and the file', async () => {
  const error = await failure(service().loadConfig('data/llm_configs/wrong_types.json'));
  assert.is(error.code, 'INVALID_FILE');
  assert.match(error.message, 'config file data/llm_configs/wrong_types.json is invalid: ');
  const fields = (error.details as { field: string }[]).map((detail) => detail.field);
  assert.equal(fields.sort(), ['/mock/chunk_size', '/temperature']);
});

test('an unknown provider is BAD_INPUT listing the supported ones', async () => {
  const error = await failure(service().loadConfig('data/llm_configs/cohere.json'));
  assert.is(error.code, 'BAD_INPUT');
  assert.is(
    error.message,
    'config data/llm_configs/cohere.json: provider "cohere" is not supported; use one of openai, openai_compatible, gemini, anthropic, mock',
  );
});

test('a missing variable is BAD_INPUT naming the variable and the file', async () => {
  const error = await failure(service().loadConfig('data/llm_configs/openai.json'));
  assert.is(error.code, 'BAD_INPUT');
  assert.match(
    error.message,
    /^config data\/llm_configs\/openai\.json needs the environment variable TEST_OPENAI_KEY \(\$\{TEST_OPENAI_KEY\} at \/api_key\), which is not set/,
  );
  assert.equal(error.details, { file: 'data/llm_configs/openai.json', variables: [{ variable: 'TEST_OPENAI_KEY', field: '/api_key' }] });
});

test('a malformed placeholder is INVALID_FILE with its pointer', async () => {
  const error = await failure(service().loadConfig('data/llm_configs/bad_placeholder.json'));
  assert.is(error.code, 'INVALID_FILE');
  assert.match(error.message, '${not valid} at /name');
});

test('unknown fields are kept and reported once as a warning', async () => {
  const logger = capturingLogger();
  const llm = service({}, logger);
  const loaded = await llm.loadConfig('data/llm_configs/extra.json');
  await llm.loadConfig('data/llm_configs/extra.json');
  assert.equal(loaded.config, { provider: 'mock', gemini_config: {}, colour: 'blue' });
  assert.equal(loaded.unknownFields, ['gemini_config', 'colour']);
  const warnings = logger.lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line['level'] === 'warn');
  assert.is(warnings.length, 1);
  assert.equal(warnings[0]?.['fields'], ['gemini_config', 'colour']);
});

test('a resolved key is registered with the logger, so no line can print it', async () => {
  const logger = capturingLogger();
  await service({ TEST_OPENAI_KEY: 'sk-never-printed-42' }, logger).loadConfig('data/llm_configs/openai.json');
  logger.info('about to call', { header: 'Bearer sk-never-printed-42' });
  assert.not.match(logger.lines.join('\n'), 'sk-never-printed-42');
  assert.match(logger.lines.join('\n'), 'Bearer ***');
});

test('no file named: data/llm_configs/mock.json when it exists, else the embedded mock', async () => {
  const embedded = await service().loadConfig();
  assert.equal(embedded.config, { name: 'Mock (embedded)', provider: 'mock' });
  await writeFile(join(fixture.root, 'data/llm_configs/mock.json'), JSON.stringify({ provider: 'mock', name: 'Shipped mock' }));
  assert.is((await service().loadConfig()).config.name, 'Shipped mock');
});

test('an inline config is checked and its placeholders refused', async () => {
  const llm = service({ TEST_OPENAI_KEY: 'sk-server-secret' });
  assert.equal(llm.inlineConfig({ provider: 'mock', model: 'm' }).config, { provider: 'mock', model: 'm' });
  const refused = await failure(Promise.resolve().then(() => llm.inlineConfig({ provider: 'openai', api_key: '${TEST_OPENAI_KEY}' })));
  assert.is(refused.code, 'BAD_INPUT');
  assert.match(refused.message, 'an inline config cannot use ${...} placeholders (${TEST_OPENAI_KEY} at /api_key)');
  const invalid = await failure(Promise.resolve().then(() => llm.inlineConfig({ provider: 'mock', temperature: 'warm' })));
  assert.is(invalid.code, 'BAD_INPUT');
});

test('provider(): a vendor host without a key, or openai_compatible without base_url, is BAD_INPUT', async () => {
  const llm = service();
  const noKey = await failure(Promise.resolve().then(() => llm.provider(llm.inlineConfig({ provider: 'openai' }))));
  assert.is(
    noKey.message,
    'inline config has no api_key, and api.openai.com needs one; set "api_key" (e.g. "${OPENAI_API_KEY}") and that variable',
  );
  const noBase = await failure(Promise.resolve().then(() => llm.provider(llm.inlineConfig({ provider: 'openai_compatible', model: 'x' }))));
  assert.match(noBase.message, 'openai_compatible needs base_url');
  const keyless = llm.provider(llm.inlineConfig({ provider: 'openai', base_url: 'http://127.0.0.1:11434/v1', model: 'llama3' }));
  assert.is(keyless.model, 'llama3');
});

const dotEnv = suite('.env');

dotEnv('.env at the root is read; the real environment wins', async () => {
  const root = await tempRoot({ '.env': 'FROM_FILE=file-value\nBOTH=file\n# comment\nQUOTED="with spaces"\n' });
  const env: NodeJS.ProcessEnv = { BOTH: 'real' };
  const result = await loadDotEnv(root.root, env);
  assert.equal(env, { BOTH: 'real', FROM_FILE: 'file-value', QUOTED: 'with spaces' });
  assert.equal({ loaded: result.loaded, kept: result.kept }, { loaded: ['FROM_FILE', 'QUOTED'], kept: ['BOTH'] });
  await root.remove();
});

dotEnv('no .env is not an error', async () => {
  const root = await tempRoot();
  assert.equal(await loadDotEnv(root.root, {}), { file: null, loaded: [], kept: [] });
  await root.remove();
});

dotEnv('a key added to .env after start is used without a restart; the real environment still wins', async () => {
  const root = await tempRoot({ 'data/llm_configs/openai.json': openaiConfig, '.env': 'OTHER=1\n' });
  const env: NodeJS.ProcessEnv = {};
  await loadDotEnv(root.root, env);
  const llm = createLlmService({ root: root.root, logger: silentLogger, env });
  const before = await failure(llm.loadConfig('openai'));
  assert.match(before.message, 'needs the environment variable TEST_OPENAI_KEY');
  await writeFile(join(root.root, '.env'), 'TEST_OPENAI_KEY=sk-added\n');
  // The file is looked at again at most once a second.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const loaded = await llm.loadConfig('openai');
  assert.equal([loaded.config.api_key, env['OTHER'], env['TEST_OPENAI_KEY']], ['sk-added', undefined, 'sk-added']);
  await root.remove();
});

test.run();
dotEnv.run();
