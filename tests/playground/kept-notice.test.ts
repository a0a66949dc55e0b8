/**
 * @module The playground's notice for what an outside edit removed: an editor saves a stale copy over replies the
 * engine saved, the page says "2 replies were removed by an outside edit" with Restore and Dismiss, and Restore
 * puts them back on screen and in the file.
 */
import { renameSync, writeFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { linearTree } from '../helpers/conversation-trees.js';
import { saveScreenshot, shownMessages, startPlayground, type PlaygroundWorld } from './playground-kit.js';

const test = suite('playground: replies removed by an outside edit');
let world: PlaygroundWorld;

test.before(async () => {
  world = await startPlayground();
});

test.after(async () => {
  await world.close();
});

/** Two replies saved through the engine, then an editor's copy from before them saved over the file by rename. */
async function staleSaveOverTwoReplies(slug: string): Promise<{ file: string; page: Page; stale: string }> {
  const file = world.conversation(slug, { ...linearTree(2), name: slug });
  const page = await world.openPage(file);
  await page.waitForSelector('#message-list li.message');
  const stale = world.root.readText(file);
  for (const [nodeId, pid, content] of [
    ['late1', 't2', 'A reply the editor never saw.'],
    ['late2', 'late1', 'And one more.'],
  ] as const) {
    await world.engine.api.call('modules/chat_branches/append_message', {
      file,
      pid,
      node_id: nodeId,
      role: 'assistant',
      content,
      return_mode: 'none',
    });
  }
  writeFileSync(world.root.path(`${file}.swp`), stale);
  renameSync(world.root.path(`${file}.swp`), world.root.path(file));
  await page.waitForSelector('#removed-notice:not([hidden])');
  return { file, page, stale };
}

test('the notice names how many replies went, and Restore brings them back', async () => {
  const { file, page } = await staleSaveOverTwoReplies('restore_me');
  assert.is(
    await page.textContent('#removed-notice-text'),
    '2 replies were removed by an outside edit. They are kept beside the conversation.',
  );
  assert.equal(await page.$$eval('#removed-notice button', (buttons) => buttons.map((button) => button.textContent)), [
    'Restore',
    'Dismiss',
  ]);
  await saveScreenshot(page, 'playground-removed-notice.png');
  await page.click('#removed-restore');
  await page.waitForSelector('#removed-notice', { state: 'hidden' });
  await page.waitForFunction(() => document.querySelectorAll('#message-list li.message').length === 5);
  assert.equal((await shownMessages(page)).map((message) => message.content).slice(-2), ['A reply the editor never saw.', 'And one more.']);
  assert.is(await page.textContent('#stream-status'), 'Restored: restored 2 node(s): late1, late2.');
  assert.equal(Object.keys(world.readDoc(file).nodes), ['s', 't1', 't2', 'late1', 'late2']);
  assert.equal(world.pageErrors, []);
  await page.close();
});

test('Dismiss hides the notice and leaves the file as the editor saved it', async () => {
  const { file, page, stale } = await staleSaveOverTwoReplies('dismiss_me');
  await page.click('#removed-dismiss');
  await page.waitForSelector('#removed-notice', { state: 'hidden' });
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.is(world.root.readText(file), stale);
  assert.is((await shownMessages(page)).length, 3);
  assert.equal(world.pageErrors, []);
  await page.close();
});

test.run();
