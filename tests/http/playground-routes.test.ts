/** @module GET / and /playground/<file>: the page and its files, open like /docs, only the listed files, strict headers. */
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { playgroundFiles, vendorFiles } from '../../src/http/playground-routes.js';
import { testApp } from './test-steps.js';

const routes = suite('playground routes');

routes('GET / answers the page, with a policy that allows only this origin and no framing', async () => {
  const { app } = testApp();
  const response = await app.request('/');
  assert.is(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
  assert.is(await response.text(), readFileSync(new URL('../../src/playground/index.html', import.meta.url), 'utf8'));
  const policy = response.headers.get('content-security-policy') ?? '';
  for (const directive of ["default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"])
    assert.ok(policy.includes(directive), directive);
  assert.is(response.headers.get('x-frame-options'), 'DENY');
  assert.is(response.headers.get('x-content-type-options'), 'nosniff');
});

routes('every listed file is served with its type', async () => {
  const { app } = testApp();
  for (const file of playgroundFiles) {
    const response = await app.request(`/playground/${file}`);
    assert.is(response.status, 200, file);
    assert.match(response.headers.get('content-type') ?? '', file.endsWith('.css') ? /^text\/css/ : /^text\/javascript/, file);
  }
});

routes('the Markdown and sanitising libraries are served from node_modules, as their packages ship them', async () => {
  const { app } = testApp();
  for (const [name, source] of [
    ['marked.js', 'node_modules/marked/lib/marked.esm.js'],
    ['purify.js', 'node_modules/dompurify/dist/purify.es.mjs'],
  ] as const) {
    assert.is(vendorFiles[name], new URL(`../../${source}`, import.meta.url).pathname);
    const response = await app.request(`/playground/vendor/${name}`);
    assert.is(response.status, 200, name);
    assert.match(response.headers.get('content-type') ?? '', /^text\/javascript/, name);
    assert.is(await response.text(), readFileSync(new URL(`../../${source}`, import.meta.url), 'utf8'), name);
  }
  assert.is((await app.request('/playground/vendor/other.js')).status, 404);
});

routes('every module the page imports is one the server lists', () => {
  const folder = new URL('../../src/playground/', import.meta.url);
  const page = readFileSync(new URL('index.html', folder), 'utf8');
  const referenced = [...page.matchAll(/\/playground\/([\w.-]+)/g)].map((match) => match[1]!);
  for (const file of playgroundFiles.filter((name) => name.endsWith('.js'))) {
    const source = readFileSync(new URL(file, folder), 'utf8');
    referenced.push(...[...source.matchAll(/from '\.\/([\w.-]+)'/g)].map((match) => match[1]!));
    for (const vendor of source.matchAll(/from '\/playground\/vendor\/([\w.-]+)'/g))
      assert.ok(vendor[1]! in vendorFiles, `${vendor[1]!} is imported by ${file} but not served`);
  }
  for (const file of referenced) assert.ok((playgroundFiles as readonly string[]).includes(file), `${file} is referenced but not served`);
});

routes('nothing else in the folder or beside it is reachable', async () => {
  const { app } = testApp();
  for (const path of [
    '/playground/',
    '/playground/index.html',
    '/playground/../http/create-app.ts',
    '/playground/%2e%2e/http/server.ts',
    '/playground/nope.js',
  ]) {
    const response = await app.request(path);
    assert.is(response.status, 404, path);
  }
});

routes('with a token, the page stays open and the API still asks for the token', async () => {
  const { app } = testApp({ token: 'secret' });
  assert.is((await app.request('/')).status, 200);
  assert.is((await app.request('/playground/app.js')).status, 200);
  assert.is((await app.request('/api/plugins/test/echo', { method: 'POST', body: '{}' })).status, 401);
});

routes('the page headers stay on the page: API replies carry none of them', async () => {
  const { app } = testApp();
  const response = await app.request('/health');
  assert.is(response.headers.get('content-security-policy'), null);
});

routes.run();
