/**
 * @module The playground with images and tool calls, in Chromium: attach an image with the picker or by pasting,
 * send it, see it in the message (served by GET /api/attachment); a refused file says why. A saved reply's tool
 * steps and a real tool loop's live events (an approval answered with Approve) are drawn inside the message.
 */
import type { Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConversationDoc } from '../../src/store/tree/document.js';
import { linearTree } from '../helpers/conversation-trees.js';
import { saveScreenshot, startPlayground, type PlaygroundWorld } from './playground-kit.js';

/** A 1x1 PNG. */
const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

let world: PlaygroundWorld;
const test = suite('playground: images and tool calls');
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

/** Every image in message `depth` once loaded: its natural width (0 while broken). */
async function loadedImages(page: Page, depth: number, count: number): Promise<number[]> {
  await page.waitForFunction(
    ([where, expected]) => {
      const images = Array.from(document.querySelectorAll<HTMLImageElement>(`li.message[data-depth="${where}"] .message-images img`));
      return images.length === expected && images.every((image) => image.complete && image.naturalWidth > 0);
    },
    [depth, count] as const,
  );
  return page.$$eval(`li.message[data-depth="${depth}"] .message-images img`, (images) =>
    images.map((image) => (image as HTMLImageElement).naturalWidth),
  );
}

test('an image picked with the file picker is sent with the message and shown in it', async () => {
  const file = world.conversation('picked', { ...linearTree(2), name: 'Picked' });
  const page = await open(file, 3);
  await page.setInputFiles('#image-picker', { name: 'dot.png', mimeType: 'image/png', buffer: png });
  await page.getByRole('img', { name: 'Image to send: dot.png' }).waitFor();
  await page.getByLabel('Message', { exact: true }).fill('What is this?');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelectorAll('#message-list li.message').length === 5);
  await page.waitForFunction(() => !document.querySelector('.badge-streaming'));
  const sent = Object.values(world.readDoc(file).nodes).find((node) => node.content === 'What is this?')!;
  const reference = (sent['attachments'] as { file: string }[])[0]!.file;
  assert.equal(sent['attachments'], [{ type: 'image', file: reference, mime: 'image/png' }]);
  assert.match(reference, /^files\/[0-9a-f]{64}\.png$/);
  assert.equal(await loadedImages(page, 4, 1), [1]);
  assert.is(await page.getByRole('img', { name: 'Image 1 of 1 attached to message 4' }).count(), 1);
  assert.is(await page.locator('#pending-images li').count(), 0, 'the composer is emptied');
  await page.close();
});

test('an image pasted into the message box is attached; a file that is not an image is refused in words', async () => {
  const file = world.conversation('pasted', { ...linearTree(2), name: 'Pasted' });
  const page = await open(file, 3);
  await page.evaluate((base64) => {
    const bytes = Uint8Array.from(atob(base64), (character) => character.charCodeAt(0));
    const data = new DataTransfer();
    data.items.add(new File([bytes], 'pasted.png', { type: 'image/png' }));
    document
      .getElementById('composer-input')!
      .dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, png.toString('base64'));
  await page.getByRole('img', { name: 'Image to send: pasted.png' }).waitFor();
  await page.setInputFiles('#image-picker', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
  await page.locator('#image-problem').waitFor({ state: 'visible' });
  assert.is(await page.textContent('#image-problem'), 'notes.txt is not a PNG, JPEG, GIF or WebP image');
  assert.is(await page.locator('#pending-images li').count(), 1);
  // An image alone, with no text, is a message too.
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await page.waitForFunction(() => document.querySelectorAll('#message-list li.message').length === 5);
  assert.equal(await loadedImages(page, 4, 1), [1]);
  await page.waitForFunction(() => !document.querySelector('.badge-streaming'));
  await saveScreenshot(page, 'playground-image.png');
  await page.close();
});

/** A reply that called two tools, one failing, as TOOLS-DESIGN fixes the node. */
const withTools: ConversationDoc = {
  name: 'Tools',
  roots: ['s'],
  nodes: {
    s: { pid: null, role: 'system', content: 'Use tools.' },
    u: { pid: 's', role: 'user', content: 'What time is it in Tokyo?' },
    a: {
      pid: 'u',
      role: 'assistant',
      content: 'It is **14:02** in Tokyo.',
      tool_steps: [
        {
          content: 'Let me check.',
          tool_calls: [
            {
              id: 'call_1',
              name: 'modules/tools/current_time',
              arguments: { time_zone: 'Asia/Tokyo' },
              status: 'ok',
              result: { time: '14:02' },
              started_at: '2026-12-06T07:00:00.000Z',
              duration_ms: 3,
            },
            {
              id: 'call_2',
              name: 'mcp:weather/forecast',
              arguments: '{"city": ',
              status: 'error',
              result: 'the arguments are not valid JSON',
            },
          ],
        },
      ],
      meta: { provider: 'mock', model: 'mock', finish_reason: 'stop', tool_calls: 2 },
    },
  },
  active_path: ['s', 'u', 'a'],
};

test("a saved reply's tool steps: the text before the calls, each call folded with its badge, arguments and result", async () => {
  const file = world.conversation('tools', withTools);
  const page = await open(file, 3);
  const reply = page.locator('li.message[data-depth="3"]');
  assert.is(await reply.locator('.tool-step-text').textContent(), 'Let me check.');
  assert.equal(
    await reply.locator('.tool-call').evaluateAll((calls) =>
      calls.map((call) => ({
        name: call.querySelector('.tool-name')?.textContent,
        badge: call.querySelector('.tool-badge')?.textContent,
        open: (call as HTMLDetailsElement).open,
        parts: Array.from(call.querySelectorAll('.tool-label')).map((label) => [label.textContent, label.nextElementSibling?.textContent]),
      })),
    ),
    [
      {
        name: 'modules/tools/current_time',
        badge: 'done in 3 ms',
        open: false,
        parts: [
          ['Arguments', '{\n  "time_zone": "Asia/Tokyo"\n}'],
          ['Result', '{\n  "time": "14:02"\n}'],
        ],
      },
      {
        name: 'mcp:weather/forecast',
        badge: 'error',
        open: true,
        parts: [
          ['Arguments', '{"city": '],
          ['Error', 'the arguments are not valid JSON'],
        ],
      },
    ],
  );
  assert.is(await reply.locator('.content strong').textContent(), '14:02');
  await reply.locator('.tool-call summary').first().click();
  assert.ok(
    await reply
      .locator('.tool-call')
      .first()
      .evaluate((call) => (call as HTMLDetailsElement).open),
  );
  await saveScreenshot(page, 'playground-tools.png');
  await page.close();
});

test('a real tool loop draws live: the call waits for approval, Approve runs it, the answer follows and is saved', async () => {
  const config = world.root.writeLlmConfig('clock', {
    provider: 'mock',
    model: 'mock-clock',
    mock: { chunk_size: 8, delay_ms: 5, tool_calls: [{ name: 'modules/tools/current_time', arguments: { time_zone: 'UTC' } }] },
    tools: ['modules/tools/current_time'],
    tool_approval: 'ask',
  });
  const file = world.root.writeConversation('live_tools', { ...linearTree(2), name: 'Live tools' }, { llm_config: config });
  const page = await open(file, 3);
  await page.getByLabel('Message', { exact: true }).fill('What time is it?');
  await page.keyboard.press('Enter');
  const approve = page.getByRole('button', { name: 'Approve the call to modules/tools/current_time' });
  await approve.waitFor();
  const draft = page.locator('li.message.streaming');
  assert.is(await draft.locator('.tool-badge').textContent(), 'waiting for approval');
  assert.ok(await page.getByRole('button', { name: 'Deny the call to modules/tools/current_time' }).isVisible());
  await approve.click();
  // The answer names the tool's result; once saved, the message is drawn from the file with its tool step.
  await page.waitForFunction(() =>
    Array.from(document.querySelectorAll('li.message:not(.streaming) .content')).some((content) =>
      content.textContent?.startsWith('Mock reply to: What time is it? (tool modules/tools/current_time:'),
    ),
  );
  const reply = page.locator('li.message', { hasText: 'Mock reply to: What time is it?' });
  assert.match((await reply.locator('.tool-badge').textContent()) ?? '', /^done in \d+ ms$/);
  const saved = Object.values(world.readDoc(file).nodes).find((node) => node['tool_steps'] !== undefined)!;
  assert.equal(
    (saved['tool_steps'] as Array<{ tool_calls: Array<{ name: string; status: string }> }>)[0]!.tool_calls.map((call) => [
      call.name,
      call.status,
    ]),
    [['modules/tools/current_time', 'ok']],
  );
  await page.close();
});

test('no uncaught error happened in any page', () => {
  assert.equal(world.pageErrors, []);
});

test.run();
