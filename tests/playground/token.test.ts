/**
 * @module The playground with BRANCHFLOW_TOKEN set: the page asks once, says when the token is wrong, keeps it for the
 * tab (sessionStorage), and uses it everywhere: `Authorization: Bearer` on fetch, `access_token=` on EventSource.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConversationDoc } from '../../src/store/tree/document.js';
import { startPlayground, type PlaygroundWorld } from './playground-kit.js';

const token = 'playground-test-token-5f1c';

const doc: ConversationDoc = {
  name: 'Guarded',
  roots: ['n_root'],
  nodes: { n_root: { pid: null, role: 'system', content: 'You are terse.' } },
  active_path: ['n_root'],
};

let world: PlaygroundWorld;
const tokenMode = suite('the playground when the server needs a token');

tokenMode.before(async () => {
  world = await startPlayground({ token });
});

tokenMode.after(async () => {
  await world?.close();
});

tokenMode('asks for the token, says when it is wrong, then works: lists, streams and follows the file with it', async () => {
  const file = world.conversation('guarded', doc);
  const page = await world.openPage(file);
  const apiRequests: { url: string; authorization: string | undefined }[] = [];
  page.on('request', (request) => {
    if (request.url().includes('/api/')) apiRequests.push({ url: request.url(), authorization: request.headers()['authorization'] });
  });

  const tokenField = page.getByLabel('Access token');
  await tokenField.waitFor({ state: 'visible' });
  assert.match((await page.locator('#token-reason').textContent()) ?? '', /no token was sent/);
  await tokenField.fill('not-the-token');
  await tokenField.press('Enter');
  await page.waitForFunction(() => /the token is wrong/.test(document.getElementById('token-reason')?.textContent ?? ''));
  assert.ok(await tokenField.isVisible(), 'asked again');

  apiRequests.length = 0; // from here on, every request carries the right token
  await tokenField.fill(token);
  await page.getByRole('button', { name: 'Use this token', exact: true }).click();
  await page.waitForSelector('body[data-ready="true"]');
  await page.waitForFunction(() => document.querySelectorAll('#message-list li.message').length === 1);
  assert.ok(await tokenField.isHidden());

  await page.getByLabel('Message', { exact: true }).fill('Are you there?');
  await page.keyboard.press('Enter');
  await page.waitForFunction(
    () => document.querySelector('li.message[data-depth="3"] .content')?.textContent === 'Mock reply to: Are you there?',
  );
  await page.waitForFunction(() => !document.querySelector('.badge-streaming'));

  // A hand edit reaches the page, so the watch stream got through with the token too.
  const edited = world.readDoc(file);
  edited.nodes['n_root']!.content = 'Edited while guarded.';
  world.root.write(file, edited);
  await page.waitForFunction(() => document.querySelector('li.message[data-depth="1"] .content')?.textContent === 'Edited while guarded.');

  const streams = apiRequests.filter((request) => /complete_stream|watch/.test(request.url));
  assert.ok(
    streams.some((request) => request.url.includes('complete_stream')),
    'the reply came over EventSource',
  );
  for (const stream of streams) assert.ok(new URL(stream.url).searchParams.get('access_token') === token, `token on ${stream.url}`);
  const plain = apiRequests.filter((request) => !/complete_stream|watch/.test(request.url));
  assert.ok(plain.length > 0);
  for (const request of plain) assert.is(request.authorization, `Bearer ${token}`, `bearer on ${request.url}`);
  assert.is(await page.evaluate(() => sessionStorage.getItem('branchflow.token')), token);

  // Kept for the tab: a reload does not ask again.
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  assert.ok(await tokenField.isHidden());
  await page.close();
});

tokenMode('an attached image loads with the token in its URL, as EventSource streams do', async () => {
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
  const reference = `files/${createHash('sha256').update(png).digest('hex')}.png`;
  const file = world.conversation('guarded_image', {
    name: 'Guarded image',
    roots: ['n_root'],
    nodes: {
      n_root: { pid: null, role: 'system', content: 'You are terse.' },
      n_user: { pid: 'n_root', role: 'user', content: 'See this.', attachments: [{ type: 'image', file: reference, mime: 'image/png' }] },
    },
    active_path: ['n_root', 'n_user'],
  });
  const imagePath = world.root.path(`data/conversations/guarded_image/${reference}`);
  mkdirSync(dirname(imagePath), { recursive: true });
  writeFileSync(imagePath, png);
  const page = await world.openPage(file);
  await page.evaluate((value) => sessionStorage.setItem('branchflow.token', value), token);
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  await page.waitForFunction(() => {
    const image = document.querySelector<HTMLImageElement>('li.message[data-depth="2"] .message-images img');
    return image !== null && image.complete && image.naturalWidth === 1;
  });
  const source = await page.getAttribute('li.message[data-depth="2"] .message-images img', 'src');
  assert.is(new URL(source!, world.server.url).searchParams.get('access_token'), token);
  await page.close();
});

tokenMode('the page itself and its files are served without the token; the API is not', async () => {
  const page = await world.browser.newPage();
  const home = await page.goto(world.server.url);
  assert.is(home?.status(), 200);
  const script = await page.goto(`${world.server.url}/playground/app.js`);
  assert.is(script?.status(), 200);
  const api = await fetch(`${world.server.url}/api/modules/chat_branches/list_conversations`, {
    method: 'POST',
    body: '{}',
    headers: { 'content-type': 'application/json' },
  });
  assert.is(api.status, 401);
  await page.close();
});

tokenMode('no uncaught error happened in any page', () => {
  assert.equal(world.pageErrors, []);
});

tokenMode.run();
