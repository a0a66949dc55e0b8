import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readHttpConfig } from '../../src/http/config.js';

const config = suite('readHttpConfig');

config('defaults: 127.0.0.1:8050, no token, no origins, 10 MB, info, text', () => {
  assert.equal(readHttpConfig({}), {
    host: '127.0.0.1',
    port: 8050,
    corsOrigins: [],
    bodyLimitBytes: 10_485_760,
    logLevel: 'info',
    logFormat: 'text',
  });
});

config('every variable is read', () => {
  assert.equal(
    readHttpConfig({
      HOST: '0.0.0.0',
      PORT: '9000',
      BRANCHFLOW_TOKEN: ' s3cret-token ',
      BRANCHFLOW_CORS_ORIGINS: 'http://localhost:5173, https://chat.example.com/',
      BRANCHFLOW_BODY_LIMIT: '1024',
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'json',
    }),
    {
      host: '0.0.0.0',
      port: 9000,
      token: 's3cret-token',
      corsOrigins: ['http://localhost:5173', 'https://chat.example.com'],
      bodyLimitBytes: 1024,
      logLevel: 'debug',
      logFormat: 'json',
    },
  );
});

config('an empty token is no token', () => {
  assert.is(readHttpConfig({ BRANCHFLOW_TOKEN: '' }).token, undefined);
});

const bad: [Record<string, string>, RegExp][] = [
  [{ PORT: 'http' }, /^PORT must be a whole number from 0 to 65535; got "http"$/],
  [{ PORT: '70000' }, /^PORT must be a whole number/],
  [{ PORT: '80.5' }, /^PORT must be a whole number/],
  [{ BRANCHFLOW_BODY_LIMIT: '10MB' }, /^BRANCHFLOW_BODY_LIMIT must be a whole number from 1 /],
  [{ BRANCHFLOW_BODY_LIMIT: '0' }, /^BRANCHFLOW_BODY_LIMIT must be a whole number/],
  [{ BRANCHFLOW_CORS_ORIGINS: '*' }, /^BRANCHFLOW_CORS_ORIGINS: "\*" is not an origin; list them as scheme:\/\/host\[:port\]/],
  [{ BRANCHFLOW_CORS_ORIGINS: 'http://a.example/app' }, /^BRANCHFLOW_CORS_ORIGINS: "http:\/\/a.example\/app" is not an origin/],
  [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of/],
  [{ LOG_FORMAT: 'xml' }, /^LOG_FORMAT must be text or json; got "xml"$/],
  [
    { BRANCHFLOW_TOKEN: 'abc def' },
    /^BRANCHFLOW_TOKEN has U\+0020 at position 4; a token may hold only letters, digits and - \. _ ~ \+ \/ = \(so clients can send it as a Bearer token\)$/,
  ],
  [{ BRANCHFLOW_TOKEN: "'secret'" }, /^BRANCHFLOW_TOKEN has "'" at position 1;/],
];

for (const [env, message] of bad) {
  config(`a bad value is an error naming the variable: ${JSON.stringify(env)}`, () => {
    assert.throws(() => readHttpConfig(env), message);
  });
}

config.run();
