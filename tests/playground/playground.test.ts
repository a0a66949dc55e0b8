/**
 * @module The playground page in a real browser: load, create, send with tokens streaming in, stop mid-stream, switch
 * branches, regenerate, edit and delete, hand edits of the file (valid and invalid), errors in words, phone width,
 * and a screenshot left in tests/artifacts/.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConversationDoc } from '../../src/store/tree/document.js';
import { configs, saveScreenshot, shownMessages, slowText, startPlayground, type PlaygroundWorld } from './playground-kit.js';

/** Three replies to one message, the middle one active; the last was cut off by a crash and recovered. */
const branching: ConversationDoc = {
  name: 'Branching',
  roots: ['n_root'],
  nodes: {
    n_root: { pid: null, role: 'system', content: 'You are terse.' },
    n_user: { pid: 'n_root', role: 'user', content: 'Say hello.' },
    n_first: { pid: 'n_user', role: 'assistant', content: 'Hello.' },
    n_middle: {
      pid: 'n_user',
      role: 'assistant',
      content: 'Hi.',
      meta: {
        provider: 'mock',
        model: 'mock-quick',
        usage: { prompt_tokens: 7, completion_tokens: 1, total_tokens: 8 },
        finish_reason: 'stop',
      },
    },
    n_last: {
      pid: 'n_user',
      role: 'assistant',
      content: 'Hey th',
      meta: {
        provider: 'mock',
        model: 'mock-quick',
        finish_reason: 'interrupted',
        partial: true,
        interrupted: true,
        error: { code: 'INTERRUPTED', message: 'the server stopped before the reply was finished' },
      },
    },
  },
  children: { n_root: ['n_user'], n_user: ['n_first', 'n_middle', 'n_last'] },
  active_path: ['n_root', 'n_user', 'n_middle'],
};

const oneReply: ConversationDoc = {
  name: 'One reply',
  roots: ['n_root'],
  nodes: {
    n_root: { pid: null, role: 'system', content: 'You are terse.' },
    n_user: { pid: 'n_root', role: 'user', content: 'Say hello.' },
    n_reply: { pid: 'n_user', role: 'assistant', content: 'Old reply.' },
  },
  active_path: ['n_root', 'n_user', 'n_reply'],
};

let world: PlaygroundWorld;
const playground = suite('the playground page');

playground.before(async () => {
  world = await startPlayground();
});

playground.after(async () => {
  await world?.close();
});

/** Opens a fresh conversation made from `doc` in a new tab and waits until its messages show. */
async function openConversation(slug: string, doc: ConversationDoc): Promise<{ page: Page; file: string }> {
  const file = world.conversation(slug, doc);
  const page = await world.openPage(file);
  await page.waitForFunction((count) => document.querySelectorAll('#message-list li.message').length === count, doc.active_path.length);
  return { page, file };
}

/** The message at a depth of the active path. */
const message = (page: Page, depth: number) => page.locator(`#message-list li.message[data-depth="${depth}"]`);

async function waitForText(page: Page, selector: string, text: string): Promise<void> {
  await page.waitForFunction(([where, expected]) => document.querySelector(where)?.textContent === expected, [selector, text] as const);
}

/** Waits until no reply is streaming and the composer can send again. */
async function waitUntilIdle(page: Page): Promise<void> {
  await page.waitForFunction(
    () => !document.querySelector('.badge-streaming') && !(document.getElementById('send-button') as HTMLButtonElement).disabled,
  );
}

/**
 * The watch stream sends its headers with its first event, so the page cannot tell when it is subscribed. Prove it:
 * write through the engine, again if need be, until the page shows the write.
 */
async function proveLive(page: Page, file: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const content = `Live check ${attempt}.`;
    await world.engine.api.call('modules/chat_branches/update_message', { file, node_id: 'n_root', content, return_mode: 'none' });
    const shown = await page
      .waitForFunction((expected) => document.querySelector('li.message[data-depth="1"] .content')?.textContent === expected, content, {
        timeout: 1500,
      })
      .then(
        () => true,
        () => false,
      );
    if (shown) return;
    if (attempt === 15) throw new Error('the page never showed a change made through the engine: the watch stream is not working');
  }
}

/** The README's scene: branches, model and usage, a reply stopped midway. */
const demo: ConversationDoc = {
  name: 'Branch demo',
  roots: ['n_root'],
  nodes: {
    n_root: { pid: null, role: 'system', content: 'You are a concise travel assistant.' },
    n_user: { pid: 'n_root', role: 'user', content: 'Plan one rainy afternoon in Lisbon.' },
    n_first: { pid: 'n_user', role: 'assistant', content: 'Visit the Gulbenkian Museum, then coffee in Principe Real.' },
    n_second: {
      pid: 'n_user',
      role: 'assistant',
      content: 'Start at the tile museum (Museu do Azulejo), take a tram 28 ride while it pours, and end with pasteis de nata in Belem.',
      meta: {
        provider: 'mock',
        model: 'mock',
        usage: { prompt_tokens: 21, completion_tokens: 30, total_tokens: 51 },
        finish_reason: 'stop',
        response_time: 1.42,
      },
    },
    n_follow: { pid: 'n_second', role: 'user', content: 'And if it clears up in the evening?' },
    n_partial: {
      pid: 'n_follow',
      role: 'assistant',
      content: 'Walk up to the Miradouro da Senhora do Monte for the sunset, then',
      meta: { provider: 'mock', model: 'mock', usage: null, finish_reason: 'aborted', partial: true, response_time: 0.8 },
    },
  },
  children: { n_root: ['n_user'], n_user: ['n_first', 'n_second'], n_second: ['n_follow'], n_follow: ['n_partial'] },
  active_path: ['n_root', 'n_user', 'n_second', 'n_follow', 'n_partial'],
};

// First, so the conversation list in the picture is short.
playground('a screenshot of the page is saved as a test artifact', async () => {
  const { page } = await openConversation('branch_demo', demo);
  await page.setViewportSize({ width: 1100, height: 1200 });
  await page.getByLabel('Message', { exact: true }).fill('Which of the two plans is cheaper?');
  // The README's picture is refreshed only when asked, so a test run leaves the checkout unchanged.
  const alsoTo =
    process.env['BRANCHFLOW_UPDATE_DOCS_SCREENSHOT'] === '1' ? [join(import.meta.dirname, '..', '..', 'docs', 'playground.png')] : [];
  const path = await saveScreenshot(page, 'playground.png', alsoTo);
  assert.match(path, /tests[/\\]artifacts[/\\]playground\.png$/);
  await page.close();
});

playground('loads: the list, the active path with roles, model and usage, j/n where there are siblings, the configs', async () => {
  const { page } = await openConversation('loaded', branching);
  assert.equal(await shownMessages(page), [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'Say hello.' },
    { role: 'assistant', content: 'Hi.' },
  ]);
  assert.is(await message(page, 3).locator('.branch-position').textContent(), '2/3');
  assert.is(await message(page, 2).locator('.branch-switch').count(), 0, 'no switch where there is one node');
  assert.is(await message(page, 3).locator('.meta').textContent(), 'model mock-quick (mock) · 8 tokens (7 prompt, 1 completion)');
  assert.is(await page.locator('#conversation-title').textContent(), 'Branching');
  assert.ok((await page.locator('#conversation-list').textContent())?.includes('Branching'));
  assert.is(await page.locator('.conversation-choice[aria-current="true"] .conversation-name').textContent(), 'Branching');
  const options = await page.locator('#composer-config option').allTextContents();
  assert.ok(options.includes('Quick mock — mock-quick'), options.join(' | '));
  assert.ok(
    options.some((option) => option.startsWith('Needs a key — gpt-test (unusable:')),
    'a config without its key says so',
  );
  await page.close();
});

playground('creates a conversation with an LLM config picked from list_configs', async () => {
  const page = await world.openPage();
  await page.getByLabel('Name', { exact: true }).fill('Fresh start');
  await page.getByLabel('LLM config').selectOption(configs.slow);
  await page.getByLabel('System prompt (optional)').fill('Be brief.');
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await waitForText(page, '#conversation-title', 'Fresh start');
  await waitForText(page, 'li.message[data-depth="1"] .content', 'Be brief.');
  assert.is(await page.locator('#conversation-file').textContent(), 'data/conversations/Fresh start/conversation.json');
  assert.equal(world.root.readJson('data/conversations/Fresh start/settings.json'), {
    $schema: world.root.schemaReference('data/conversations/Fresh start', 'settings.schema.json'),
    type: 'threaded',
    llm_config: configs.slow,
  });
  await page.close();
});

playground('sends with Enter (Shift+Enter is a new line) and shows the reply token by token', async () => {
  const { page, file } = await openConversation('sending', { ...oneReply, name: 'Sending' });
  await page.getByLabel('Reply with').selectOption(configs.slow);
  const composer = page.getByLabel('Message', { exact: true });
  await composer.click();
  await page.keyboard.type('line one');
  await page.keyboard.press('Shift+Enter');
  await page.keyboard.type('line two');
  await page.keyboard.press('Enter');

  // Part of the reply on screen while the stream is still open: it arrives token by token, not at the end.
  const partial = await (
    await page.waitForFunction(() => {
      const streaming = document.querySelector('li.message .badge-streaming')?.closest('li')?.querySelector('.content')?.textContent ?? '';
      return streaming.length > 0 ? streaming : false;
    })
  ).jsonValue();
  assert.ok(typeof partial === 'string' && slowText.startsWith(partial) && partial.length < slowText.length, `partial: ${String(partial)}`);
  await waitUntilIdle(page);

  const messages = await shownMessages(page);
  assert.equal(messages.slice(3), [
    { role: 'user', content: 'line one\nline two' },
    { role: 'assistant', content: slowText },
  ]);
  assert.match((await message(page, 5).locator('.meta').textContent()) ?? '', /^model mock-slow \(mock\) · \d+ tokens/);
  const stored = world.readDoc(file);
  const leaf = stored.nodes[stored.active_path[stored.active_path.length - 1]!]!;
  assert.is(leaf.content, slowText);
  assert.is(await composer.inputValue(), '', 'the composer is emptied once the message is sent');
  await page.close();
});

playground('Stop mid-stream: the partial reply is saved and shown as partial', async () => {
  const { page, file } = await openConversation('stopping', { ...oneReply, name: 'Stopping' });
  await page.getByLabel('Reply with').selectOption(configs.slow);
  await page.getByLabel('Message', { exact: true }).fill('Tell me the long story.');
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await page.waitForFunction(
    () => (document.querySelector('li.message .badge-streaming')?.closest('li')?.querySelector('.content')?.textContent ?? '').length > 10,
  );
  await page.getByRole('button', { name: 'Stop', exact: true }).click();
  await waitUntilIdle(page);

  const stored = world.readDoc(file);
  const leaf = stored.nodes[stored.active_path[stored.active_path.length - 1]!]!;
  assert.is(leaf.role, 'assistant');
  assert.ok(leaf.content.length > 10 && leaf.content.length < slowText.length && slowText.startsWith(leaf.content), leaf.content);
  assert.is(leaf.meta?.['partial'], true);
  assert.is(leaf.meta?.['finish_reason'], 'aborted');
  await waitForText(page, 'li.message[data-depth="5"] .content', leaf.content);
  assert.equal(await message(page, 5).locator('.badge').allTextContents(), ['partial (stopped)']);
  assert.is(await page.locator('#stream-status').textContent(), 'Saved the partial reply.');
  await page.close();
});

playground('switches branches with ‹ ›, by mouse and by keyboard, and marks an interrupted reply', async () => {
  const { page, file } = await openConversation('switching', { ...branching, name: 'Switching' });
  await page.getByRole('button', { name: 'Next branch (3 of 3)' }).click();
  await waitForText(page, 'li.message[data-depth="3"] .branch-position', '3/3');
  assert.is(await message(page, 3).locator('.content').textContent(), 'Hey th');
  assert.equal(await message(page, 3).locator('.badge').allTextContents(), ['interrupted', 'partial', 'error']);
  assert.is(
    await message(page, 3).locator('.node-error').textContent(),
    'The reply stopped on an error — INTERRUPTED: the server stopped before the reply was finished',
  );
  assert.equal(world.readDoc(file).active_path, ['n_root', 'n_user', 'n_last']);

  await page.locator('[data-focus-key="3:previous"]').focus();
  await page.keyboard.press('Enter');
  await waitForText(page, 'li.message[data-depth="3"] .branch-position', '2/3');
  assert.is(await message(page, 3).locator('.content').textContent(), 'Hi.');
  // Focus stays on the control at that depth, so pressing Enter again keeps going.
  await page.waitForFunction(() => (document.activeElement as HTMLElement | null)?.dataset['focusKey'] === '3:previous');
  await page.keyboard.press('Enter');
  await waitForText(page, 'li.message[data-depth="3"] .branch-position', '1/3');
  assert.equal(world.readDoc(file).active_path, ['n_root', 'n_user', 'n_first']);
  await page.close();
});

playground('Regenerate streams a new reply as a new branch; the old one stays one switch away', async () => {
  const { page, file } = await openConversation('regenerating', { ...oneReply, name: 'Regenerating' });
  await message(page, 3)
    .getByRole('button', { name: /^Regenerate/ })
    .click();
  await waitForText(page, 'li.message[data-depth="3"] .branch-position', '2/2');
  await waitUntilIdle(page);
  await waitForText(page, 'li.message[data-depth="3"] .content', 'Mock reply to: Say hello.');
  const stored = world.readDoc(file);
  const replies = Object.entries(stored.nodes).filter(([, node]) => node.pid === 'n_user');
  assert.equal(
    replies.map(([, node]) => node.content),
    ['Old reply.', 'Mock reply to: Say hello.'],
  );
  assert.is(stored.active_path[2], replies[1]![0]);
  await page.getByRole('button', { name: 'Previous branch (1 of 2)' }).click();
  await waitForText(page, 'li.message[data-depth="3"] .content', 'Old reply.');
  await page.close();
});

playground('Edit saves new content; Delete removes the message after a confirmation', async () => {
  const { page, file } = await openConversation('editing', { ...oneReply, name: 'Editing' });
  await message(page, 2).getByRole('button', { name: 'Edit user message 2' }).click();
  const field = page.getByLabel('New content of message 2');
  await field.fill('Say goodbye.');
  await page.getByRole('button', { name: 'Save message 2' }).click();
  await waitForText(page, 'li.message[data-depth="2"] .content', 'Say goodbye.');
  assert.is(world.readDoc(file).nodes['n_user']?.content, 'Say goodbye.');

  page.once('dialog', (dialog) => void dialog.accept());
  await message(page, 3).getByRole('button', { name: 'Delete assistant message 3 and everything after it' }).click();
  await page.waitForFunction(() => document.querySelectorAll('#message-list li.message').length === 2);
  assert.not.ok('n_reply' in world.readDoc(file).nodes);
  await page.close();
});

playground('a hand edit of the file shows on the page', async () => {
  const { page, file } = await openConversation('by-hand', { ...oneReply, name: 'By hand' });
  await proveLive(page, file);
  const edited = world.readDoc(file);
  edited.nodes['n_reply']!.content = 'Rewritten in an editor.';
  writeFileSync(world.root.path(file), JSON.stringify(edited, null, 2) + '\n');
  await waitForText(page, 'li.message[data-depth="3"] .content', 'Rewritten in an editor.');
  await page.close();
});

playground('an invalid hand edit shows the error instead of the old content; fixing the file brings it back', async () => {
  const { page, file } = await openConversation('broken', { ...oneReply, name: 'Broken' });
  await proveLive(page, file);
  const valid = world.root.readText(file);
  writeFileSync(world.root.path(file), '{"roots": [');
  await page.locator('#file-problem').waitFor({ state: 'visible' });
  assert.match((await page.locator('#file-problem-text').textContent()) ?? '', /^INVALID_FILE: .*is not valid JSON/);
  assert.is(await page.locator('#message-list li.message').count(), 0, 'no stale content');
  assert.ok(await page.getByRole('button', { name: 'Send', exact: true }).isDisabled());

  const dangling = JSON.parse(valid) as ConversationDoc;
  dangling.nodes['n_reply']!.pid = 'n_nowhere';
  writeFileSync(world.root.path(file), JSON.stringify(dangling, null, 2));
  await page.waitForFunction(() => /names node n_nowhere/.test(document.getElementById('file-problem-text')?.textContent ?? ''));

  writeFileSync(world.root.path(file), valid);
  await page.locator('#file-problem').waitFor({ state: 'hidden' });
  await page.waitForFunction(() => document.querySelectorAll('#message-list li.message').length === 3);
  await page.close();
});

playground(
  'errors are shown in words (a config without its key, on send and on regenerate); Get a reply answers the message left',
  async () => {
    const { page, file } = await openConversation('failing', { ...oneReply, name: 'Failing' });
    await page.getByLabel('Reply with').selectOption(configs.needsKey);
    await page.getByLabel('Message', { exact: true }).fill('Hello?');
    await page.keyboard.press('Enter');
    await page.locator('#error-banner').waitFor({ state: 'visible' });
    const sendError = (await page.locator('#error-text').textContent()) ?? '';
    assert.match(
      sendError,
      /^Could not stream the reply\. BAD_INPUT: config data\/llm_configs\/needs_key\.json needs the environment variable BRANCHFLOW_PLAYGROUND_TEST_KEY/,
    );
    await waitUntilIdle(page);

    // The message stays, unanswered; with a working config it gets its reply without being sent again.
    await page.getByRole('button', { name: 'Dismiss', exact: true }).click();
    await page.getByLabel('Reply with').selectOption(configs.quick);
    await message(page, 4).getByRole('button', { name: 'Get a reply to user message 4' }).click();
    await waitForText(page, 'li.message[data-depth="5"] .content', 'Mock reply to: Hello?');
    await waitUntilIdle(page);
    assert.is(Object.values(world.readDoc(file).nodes).filter((node) => node.content === 'Hello?').length, 1);

    await page.getByLabel('Reply with').selectOption(configs.needsKey);
    const before = Object.keys(world.readDoc(file).nodes);
    await message(page, 5)
      .getByRole('button', { name: /^Regenerate/ })
      .click();
    await page.locator('#error-banner').waitFor({ state: 'visible' });
    assert.match(
      (await page.locator('#error-text').textContent()) ?? '',
      /^Could not regenerate the reply\. BAD_INPUT: .*BRANCHFLOW_PLAYGROUND_TEST_KEY/,
    );
    await waitUntilIdle(page);
    assert.equal(Object.keys(world.readDoc(file).nodes), before, 'a refused regenerate leaves no empty branch');
    await page.close();
  },
);

playground('readable at phone width: one column, nothing wider than the screen', async () => {
  const { page } = await openConversation('phone', branching);
  await page.setViewportSize({ width: 390, height: 844 });
  const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, screen: window.innerWidth }));
  assert.ok(widths.page <= widths.screen, `the page is ${widths.page}px wide on a ${widths.screen}px screen`);
  assert.ok(await page.getByRole('button', { name: 'Send', exact: true }).isVisible());
  await saveScreenshot(page, 'playground-phone.png');
  await page.close();
});

playground('no uncaught error happened in any page', () => {
  assert.equal(world.pageErrors, []);
});

playground.run();
