/**
 * @module A running playground for browser tests: a temporary root with mock configs (one quick, one slow enough for
 * Stop to land mid-reply, one whose key is missing), the engine with its file watcher, a server on a free port, and
 * Debian's Chromium driven by playwright-core with a fresh profile.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createEngine, type Engine } from '../../src/engine.js';
import { startServer, type RunningServer } from '../../src/http/index.js';
import { silentLogger } from '../../src/lib/logger.js';
import type { ConversationDoc } from '../../src/store/tree/document.js';
import { createTempRoot, type TempRoot } from '../helpers/temp-root.js';

export const chromiumPath = process.env['BRANCHFLOW_CHROMIUM'] ?? '/usr/bin/chromium';
/** Screenshots and other files a run leaves for people to look at (gitignored). */
export const artifactsFolder = join(import.meta.dirname, '..', 'artifacts');

/** The slow config's reply: about 80 chunks, 5 s, so Stop lands mid-stream even on a loaded machine. */
export const slowText =
  'Once upon a time a branching tree of messages grew in a folder of plain JSON files, and every branch kept its own story. ' +
  'People edited it by hand, the engine followed, and nothing was ever lost along the way, not even a half-finished reply.';

export const configs = {
  quick: 'data/llm_configs/quick.json',
  slow: 'data/llm_configs/slow.json',
  needsKey: 'data/llm_configs/needs_key.json',
} as const;

export interface PlaygroundWorld {
  root: TempRoot;
  engine: Engine;
  server: RunningServer;
  browser: BrowserContext;
  /** A new tab on the playground, once its first load is done; uncaught page errors are collected in `pageErrors`. */
  openPage(hash?: string): Promise<Page>;
  pageErrors: string[];
  /** Writes data/conversations/<slug>/conversation.json using the quick config; returns its root-relative path. */
  conversation(slug: string, doc: ConversationDoc): string;
  readDoc(file: string): ConversationDoc;
  close(): Promise<void>;
}

export async function startPlayground(options: { token?: string } = {}): Promise<PlaygroundWorld> {
  const root = createTempRoot('branchflow-playground-');
  root.writeLlmConfig('quick', { name: 'Quick mock', provider: 'mock', model: 'mock-quick', mock: { chunk_size: 4, delay_ms: 15 } });
  root.writeLlmConfig('slow', {
    name: 'Slow mock',
    provider: 'mock',
    model: 'mock-slow',
    mock: { text: slowText, chunk_size: 3, delay_ms: 60 },
  });
  root.writeLlmConfig('needs_key', {
    name: 'Needs a key',
    provider: 'openai',
    model: 'gpt-test',
    api_key: '${BRANCHFLOW_PLAYGROUND_TEST_KEY}',
  });
  const engine = await createEngine({ root: root.root, logger: silentLogger, env: {}, watch: true });
  const server = await startServer({
    registry: engine.api,
    logger: silentLogger,
    port: 0,
    ...(options.token === undefined ? {} : { token: options.token }),
  });
  const userDataDir = mkdtempSync(join(tmpdir(), 'branchflow-chromium-'));
  const browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1100, height: 800 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const pageErrors: string[] = [];

  return {
    root,
    engine,
    server,
    browser,
    pageErrors,
    async openPage(hash = '') {
      const page = await browser.newPage();
      // Generous: a loaded two-core machine runs two test files, each with a browser, side by side.
      page.setDefaultTimeout(20_000);
      page.on('pageerror', (error) => pageErrors.push(error.message));
      await page.goto(`${server.url}/${hash === '' ? '' : `#${encodeURIComponent(hash)}`}`);
      if (options.token === undefined) await page.waitForSelector('body[data-ready="true"]');
      return page;
    },
    conversation(slug, doc) {
      return root.writeConversation(slug, doc, { llm_config: configs.quick });
    },
    readDoc: (file) => root.readJson<ConversationDoc>(file),
    async close() {
      await browser.close();
      await server.close();
      await engine.close();
      root.cleanup();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** The messages on screen, in order: role and content (a streaming reply shows its text so far). */
export async function shownMessages(page: Page): Promise<{ role: string; content: string }[]> {
  return page.$$eval('#message-list li.message', (items) =>
    items.map((item) => ({
      role: item.querySelector('.role')?.textContent ?? '',
      content: item.querySelector('.content')?.textContent ?? '',
    })),
  );
}

/** A screenshot under tests/artifacts/ (and wherever else is asked), for a person to look at. */
export async function saveScreenshot(page: Page, name: string, alsoTo: string[] = []): Promise<string> {
  mkdirSync(artifactsFolder, { recursive: true });
  const path = join(artifactsFolder, name);
  const image = await page.screenshot({ path });
  for (const extra of alsoTo) writeFileSync(extra, image);
  return path;
}
