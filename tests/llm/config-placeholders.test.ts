import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { containsPlaceholder, resolvePlaceholders } from '../../src/llm/config/config-placeholders.js';

const test = suite('config placeholders');

test('${NAME} is replaced in every string value, nested ones too', () => {
  const env = { KEY: 'sk-123', HOST: 'example.test', MODEL: 'm1' };
  const { value, problems } = resolvePlaceholders(
    {
      api_key: '${KEY}',
      base_url: 'https://${HOST}/v1',
      custom_params: { tags: ['${MODEL}', 'x'], deep: { y: 'a${MODEL}b' } },
      temperature: 0.5,
    },
    env,
  );
  assert.equal(problems, []);
  assert.equal(value, {
    api_key: 'sk-123',
    base_url: 'https://example.test/v1',
    custom_params: { tags: ['m1', 'x'], deep: { y: 'am1b' } },
    temperature: 0.5,
  });
});

test('${NAME:-default} uses the default when the variable is unset or empty', () => {
  const { value, problems } = resolvePlaceholders(
    { a: '${UNSET:-fallback}', b: '${EMPTY:-fallback}', c: '${SET:-fallback}', d: '${UNSET:-}' },
    {
      EMPTY: '',
      SET: 'value',
    },
  );
  assert.equal(problems, []);
  assert.equal(value, { a: 'fallback', b: 'fallback', c: 'value', d: '' });
});

test('a set but empty variable without a default resolves to the empty string', () => {
  assert.equal(resolvePlaceholders({ a: '${EMPTY}' }, { EMPTY: '' }), { value: { a: '' }, problems: [] });
});

test('a missing variable is reported with its name and pointer', () => {
  const { problems } = resolvePlaceholders({ api_key: '${OPENAI_API_KEY}', custom_params: { 'a/b': ['${OTHER}'] } }, {});
  assert.equal(problems, [
    { kind: 'missing', pointer: '/api_key', variable: 'OPENAI_API_KEY', text: '${OPENAI_API_KEY}' },
    { kind: 'missing', pointer: '/custom_params/a~1b/0', variable: 'OTHER', text: '${OTHER}' },
  ]);
});

test('malformed placeholders are reported, never passed on', () => {
  const { problems } = resolvePlaceholders({ a: '${not a name}', b: 'x ${UNCLOSED', c: '${A:-${B}}', d: '${}' }, { A: '1', B: '2' });
  assert.equal(
    problems.map(({ kind, pointer }) => [kind, pointer]),
    [
      ['malformed', '/a'],
      ['malformed', '/b'],
      ['malformed', '/c'],
      ['malformed', '/d'],
    ],
  );
});

test('text without placeholders, and a lone dollar sign, are left alone', () => {
  assert.equal(resolvePlaceholders({ a: 'costs $5 {braces}' }, {}), { value: { a: 'costs $5 {braces}' }, problems: [] });
});

test('containsPlaceholder looks everywhere', () => {
  assert.ok(containsPlaceholder({ a: [{ b: 'x${Y}' }] }));
  assert.not.ok(containsPlaceholder({ a: [{ b: 'x$Y' }], n: 1 }));
});

test.run();
