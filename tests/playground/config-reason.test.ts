/** @module The playground shows the whole reason a picked config cannot be used, below the picker (Chromium). */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { configs, startPlayground, type PlaygroundWorld } from './playground-kit.js';

let world: PlaygroundWorld;
const test = suite('playground: the reason a config is unusable');
test.before(async () => {
  world = await startPlayground();
});
test.after(async () => {
  await world.close();
});

test('picking an unusable config shows its whole reason, variable name included; a usable one hides it', async () => {
  const file = world.conversation('reason', {
    name: 'Reason',
    roots: ['s'],
    nodes: { s: { pid: null, role: 'system', content: 'Be brief.' } },
    active_path: ['s'],
  });
  const page = await world.openPage(file);
  await page.waitForFunction(() => document.querySelectorAll('#message-list li.message').length === 1);
  const reason = page.locator('#composer-config-reason');
  await page.waitForFunction(() => document.querySelectorAll('#composer-config option').length > 1);
  assert.is(await reason.isHidden(), true);
  await page.selectOption('#composer-config', configs.needsKey);
  assert.is(
    await reason.textContent(),
    'Needs a key cannot be used: config data/llm_configs/needs_key.json needs the environment variable BRANCHFLOW_PLAYGROUND_TEST_KEY ' +
      '(${BRANCHFLOW_PLAYGROUND_TEST_KEY} at /api_key), which is not set; set it in the environment or in .env at the root, or give a ' +
      'default with ${NAME:-default}',
  );
  assert.is(await reason.isVisible(), true);
  await page.selectOption('#composer-config', configs.quick);
  assert.is(await reason.isHidden(), true);
  assert.equal(world.pageErrors, []);
  await page.close();
});

test.run();
