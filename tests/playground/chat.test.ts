/**
 * @module The playground as a chat app, in Chromium: a loading state instead of empty lists, safe Markdown with
 * Copy on code blocks, opening at the newest message and following the stream (not when scrolled up), rename /
 * export / delete from the sidebar, Send off with its reason on an unreadable file, a config's whole reason.
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConversationDoc } from '../../src/store/tree/document.js';
import { linearTree } from '../helpers/conversation-trees.js';
import { configs, saveScreenshot, startPlayground, type PlaygroundWorld } from './playground-kit.js';

let world: PlaygroundWorld;
const test = suite('playground: a chat people use');
test.before(async () => {
  world = await startPlayground();
});
test.after(async () => {
  await world.close();
});

async function open(file: string, count: number): Promise<Page> {
  const page = await world.openPage(file);
  await page.waitForFunction((expected) => document.querySelectorAll('#message-list li.message').length === expected, count);
  return page;
}

const atBottom = (page: Page) => page.evaluate(() => window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 2);

test('while the lists load, the page says so instead of showing empty lists', async () => {
  world.conversation('loading_check', { ...linearTree(1), name: 'Loading check' });
  const page = await world.browser.newPage();
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/api/modules/chat_branches/list_conversations', async (route) => {
    await held;
    await route.continue();
  });
  await page.goto(world.server.url);
  await page.locator('#conversation-list .loading').waitFor({ state: 'visible' });
  assert.is(await page.textContent('#conversation-list .loading'), 'Loading conversations…');
  assert.is(await page.textContent('#message-list .loading'), 'Loading…');
  assert.is(await page.isHidden('#conversation-list-empty'), true, 'no "no conversations" while loading');
  await saveScreenshot(page, 'playground-loading.png');
  release();
  await page.waitForSelector('body[data-ready="true"]');
  await page.waitForSelector('#message-list li.message');
  assert.is(await page.locator('.loading').count(), 0);
  await page.close();
});

test('replies are Markdown, made safe; code blocks have a Copy button that copies the code', async () => {
  const doc: ConversationDoc = {
    name: 'Markdown',
    roots: ['s'],
    nodes: {
      s: { pid: null, role: 'system', content: 'Plain **system** text.' },
      u: { pid: 's', role: 'user', content: 'Show me *code*.' },
      a: {
        pid: 'u',
        role: 'assistant',
        content: [
          'Here is **bold**, a [link](https://example.org) and a [trap](javascript:alert(1)).',
          '',
          '- one',
          '- two',
          '',
          '```js',
          'const answer = 42;',
          '```',
          '',
          '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script><b onclick="window.pwned=3">b</b>',
        ].join('\n'),
      },
    },
    active_path: ['s', 'u', 'a'],
  };
  const file = world.conversation('markdown', doc);
  await world.browser.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: world.server.url });
  const page = await open(file, 3);
  const reply = page.locator('li.message[data-depth="3"] .content');
  assert.equal(await reply.locator('strong').allTextContents(), ['bold']);
  assert.equal(await reply.locator('li').allTextContents(), ['one', 'two']);
  assert.equal(
    await reply
      .locator('a')
      .evaluateAll((links) => links.map((link) => [link.textContent, link.getAttribute('href'), link.getAttribute('rel')])),
    [
      ['link', 'https://example.org', 'noopener noreferrer'],
      ['trap', null, null],
    ],
  );
  assert.is(await reply.locator('img, script, [onclick], [onerror]').count(), 0);
  assert.is(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned), undefined);
  // User and system text are shown as written: their asterisks stay.
  assert.is(await page.textContent('li.message[data-depth="1"] .content'), 'Plain **system** text.');
  assert.is(await page.textContent('li.message[data-depth="2"] .content'), 'Show me *code*.');

  const copy = reply.getByRole('button', { name: 'Copy the js code' });
  await copy.click();
  await page.waitForFunction(() => document.querySelector('.copy-code')?.textContent === 'Copied');
  assert.is(await page.evaluate(() => navigator.clipboard.readText()), 'const answer = 42;\n');
  await page.close();
});

test('a long conversation opens at its newest message, and a streaming reply is followed to its end', async () => {
  const file = world.conversation('long', { ...linearTree(40), name: 'Long' });
  const page = await open(file, 41);
  await page.waitForFunction(() => window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 2);
  assert.ok(await page.locator('li.message[data-depth="41"]').isVisible());
  assert.ok(await page.evaluate(() => window.scrollY > 0));

  await page.getByLabel('Reply with').selectOption(configs.slow);
  await page.getByLabel('Message', { exact: true }).fill('A long answer, please.');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.badge-streaming');
  await page.waitForFunction(() => !document.querySelector('.badge-streaming'));
  await page.waitForFunction(() => document.querySelectorAll('#message-list li.message').length === 43);
  assert.is(await atBottom(page), true, 'still at the newest message once the reply is in');
  await page.close();
});

test('scrolled up to read, the page stays where the reader is while a reply streams', async () => {
  const file = world.conversation('reading', { ...linearTree(40), name: 'Reading' });
  const page = await open(file, 41);
  await page.waitForFunction(() => window.scrollY > 0);
  await page.getByLabel('Reply with').selectOption(configs.slow);
  await page.getByLabel('Message', { exact: true }).fill('Another long answer.');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.badge-streaming');
  await page.evaluate(() => window.scrollTo({ top: 0, behavior: 'instant' }));
  await page.waitForFunction(() => !document.querySelector('.badge-streaming'));
  await page.waitForFunction(() => document.querySelectorAll('#message-list li.message').length === 43);
  assert.is(await page.evaluate(() => window.scrollY), 0);
  await page.close();
});

test('the sidebar renames a conversation (folder and name), exports it as JSON and Markdown, and deletes it', async () => {
  const file = world.conversation('to_rename', { ...linearTree(2), name: 'To rename' });
  const page = await open(file, 3);
  page.once('dialog', (dialog) => {
    assert.is(dialog.message(), 'A new name for "To rename":');
    void dialog.accept('Renamed chat');
  });
  await page.getByLabel('Actions for To rename').click();
  await page.getByRole('button', { name: 'Rename: To rename' }).click();
  await page.waitForFunction(() => document.getElementById('conversation-title')?.textContent === 'Renamed chat');
  const moved = 'data/conversations/Renamed chat/conversation.json';
  assert.is(await page.textContent('#conversation-file'), moved);
  assert.is(world.readDoc(moved).name, 'Renamed chat');
  assert.is(await page.evaluate(() => decodeURIComponent(location.hash.slice(1))), moved);

  for (const [format, name, expected] of [
    ['Export as JSON (the whole tree)', 'Renamed chat.json', () => world.root.readText(moved)],
    ['Export as Markdown (the active path)', 'Renamed chat.md', undefined],
  ] as const) {
    await page.getByLabel('Actions for Renamed chat').click();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: `${format}: Renamed chat` }).click(),
    ]);
    assert.is(download.suggestedFilename(), name);
    const text = readFileSync(await download.path(), 'utf8');
    if (expected) assert.is(text, expected());
    else assert.match(text, /turn 1[\s\S]*turn 2/);
  }

  page.once('dialog', (dialog) => {
    assert.match(dialog.message(), /^Delete the conversation "Renamed chat" for good/);
    void dialog.accept();
  });
  await page.getByLabel('Actions for Renamed chat').click();
  await page.getByRole('button', { name: 'Delete: Renamed chat' }).click();
  await page.waitForFunction(() => !document.getElementById('conversation-list')?.textContent?.includes('Renamed chat'));
  assert.not.ok((await page.textContent('#conversation-title')) === 'Renamed chat');
  let gone = false;
  try {
    world.root.readText(moved);
  } catch {
    gone = true;
  }
  assert.ok(gone, 'the folder is gone');
  await page.close();
});

test('a delete the user does not confirm deletes nothing', async () => {
  const file = world.conversation('kept', { ...linearTree(1), name: 'Kept' });
  const page = await open(file, 2);
  page.once('dialog', (dialog) => void dialog.dismiss());
  await page.getByLabel('Actions for Kept').click();
  await page.getByRole('button', { name: 'Delete: Kept' }).click();
  await page.waitForTimeout(300);
  assert.is(world.readDoc(file).name, 'Kept');
  assert.ok((await page.textContent('#conversation-list'))?.includes('Kept'));
  await page.close();
});

test('Send is off with its reason on a file that cannot be read; the create picker shows the whole reason a config is unusable', async () => {
  world.root.write('data/conversations/unreadable/conversation.json', '{"roots": [');
  const page = await world.openPage('data/conversations/unreadable/conversation.json');
  await page.locator('#file-problem').waitFor({ state: 'visible' });
  assert.ok(await page.getByRole('button', { name: 'Send', exact: true }).isDisabled());
  assert.is(
    await page.textContent('#send-reason'),
    'Send is off: this conversation file cannot be read (see above). Fix the file and it comes back.',
  );
  await page.selectOption('#create-config', configs.needsKey);
  assert.match(
    (await page.textContent('#create-config-reason')) ?? '',
    /^Needs a key cannot be used: .*BRANCHFLOW_PLAYGROUND_TEST_KEY.*\$\{NAME:-default\}$/,
  );
  await page.selectOption('#create-config', configs.quick);
  assert.ok(await page.isHidden('#create-config-reason'));
  await page.close();
});

test('no uncaught error happened in any page', () => {
  assert.equal(world.pageErrors, []);
});

test.run();
