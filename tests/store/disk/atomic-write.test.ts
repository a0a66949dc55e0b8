/**
 * @module Durable writes: on a disk that fills up a short write is an error, never a truncated file renamed over
 * the original (a small tmpfs, so those tests need root and `mount`; elsewhere they say so and pass); and a
 * replace happens only over the version it was made from, a hand edit since then making it stale.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statfsSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { fileKey, replaceIfUnchanged, writeDurably, type WrittenFile } from '../../../src/store/disk/atomic-write.js';

/** A replacing write's result without the descriptor on the version it moved aside (closed here; see aside-edits). */
function closedAside(written: WrittenFile | 'stale'): WrittenFile | 'stale' {
  if (written === 'stale') return written;
  const { movedAside, ...rest } = written;
  if (movedAside) closeSync(movedAside.fd);
  return rest;
}

const test = suite('atomic write on a full disk');
let folder = '';
let mounted = false;

test.before.each(() => {
  folder = mkdtempSync(join(tmpdir(), 'branchflow-full-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', folder], { stdio: 'ignore' });
    mounted = true;
  } catch {
    mounted = false;
  }
});

test.after.each(() => {
  if (mounted) execFileSync('umount', [folder]);
  rmSync(folder, { recursive: true, force: true });
});

/** Leaves about `bytes` free on the tmpfs. */
function fill(bytes: number): void {
  const stats = statfsSync(folder);
  writeFileSync(join(folder, 'filler'), Buffer.alloc(Math.max(0, stats.bavail * stats.bsize - bytes)));
}

test('a write the disk has only part of the room for fails with ENOSPC and leaves the old file whole', async () => {
  if (!mounted) return void console.log('  (skipped: mounting a tmpfs needs root)');
  const file = join(folder, 'conversation.json');
  const original = JSON.stringify({ text: 'o'.repeat(8000) });
  writeFileSync(file, original);
  fill(48 * 1024);
  try {
    await writeDurably(file, JSON.stringify({ text: 'n'.repeat(160 * 1024) }));
    assert.unreachable('the write should have failed');
  } catch (error) {
    assert.is((error as NodeJS.ErrnoException).code, 'ENOSPC');
  }
  assert.is(readFileSync(file, 'utf8'), original);
  assert.equal(readdirSync(folder).sort(), ['conversation.json', 'filler']);
});

test('a write to a full disk fails and leaves no temp file', async () => {
  if (!mounted) return void console.log('  (skipped: mounting a tmpfs needs root)');
  mkdirSync(join(folder, 'demo'));
  const file = join(folder, 'demo', 'settings.json');
  fill(0);
  try {
    await writeDurably(file, '{"llm_config": "data/llm_configs/mock.json"}\n'.repeat(2000));
    assert.unreachable('the write should have failed');
  } catch (error) {
    assert.is((error as NodeJS.ErrnoException).code, 'ENOSPC');
  }
  assert.equal(readdirSync(join(folder, 'demo')), []);
});

test('with room, the file is replaced whole and keeps its mode', async () => {
  if (!mounted) return void console.log('  (skipped: mounting a tmpfs needs root)');
  const file = join(folder, 'conversation.json');
  writeFileSync(file, 'old', { mode: 0o640 });
  const written = await writeDurably(file, 'new content');
  assert.is(readFileSync(file, 'utf8'), 'new content');
  assert.is(written.size, 11);
  assert.equal(readdirSync(folder), ['conversation.json']);
  assert.is(statSync(file).mode & 0o777, 0o640);
});

test.run();

const race = suite('replacing a file only if it is unchanged');
let raceFolder = '';

race.before.each(() => {
  raceFolder = mkdtempSync(join(tmpdir(), 'branchflow-replace-'));
});

race.after.each(() => {
  rmSync(raceFolder, { recursive: true, force: true });
});

race('a hand edit since the version was read makes the write stale, and nothing is written', async () => {
  const file = join(raceFolder, 'conversation.json');
  const read = await writeDurably(file, '{"version": 1}\n');
  writeFileSync(file, '{"version": "edited by hand"}\n');
  assert.is(await replaceIfUnchanged(file, '{"version": 2}\n', read.key), 'stale');
  assert.is(readFileSync(file, 'utf8'), '{"version": "edited by hand"}\n');
  assert.equal(readdirSync(raceFolder), ['conversation.json']);
});

race('a file deleted by hand since it was read makes the write stale', async () => {
  const file = join(raceFolder, 'conversation.json');
  const read = await writeDurably(file, '{}\n');
  rmSync(file);
  assert.is(await replaceIfUnchanged(file, '{"late": true}\n', read.key), 'stale');
  assert.equal(readdirSync(raceFolder), []);
});

race('the key returned is the key of the file written', async () => {
  const file = join(raceFolder, 'conversation.json');
  const first = await writeDurably(file, 'one\n');
  const written = await replaceIfUnchanged(file, 'two\n', first.key);
  // The version it replaced stays open to the store for a moment (an in-place edit may still land in it).
  assert.is((written as WrittenFile).movedAside?.key, first.key);
  const second = closedAside(written);
  assert.equal(second, await fileKey(file));
  assert.is(readFileSync(file, 'utf8'), 'two\n');
});

race("a rewrite keeps the mode, one the umask would narrow too, and its key is still the file's", async () => {
  const file = join(raceFolder, 'conversation.json');
  for (const mode of [0o666, 0o600, 0o644]) {
    const first = await writeDurably(file, `${mode}\n`);
    chmodSync(file, mode);
    const second = closedAside(await replaceIfUnchanged(file, `${mode} rewritten\n`, (await fileKey(file)).key));
    assert.is(statSync(file).mode & 0o7777, mode);
    assert.equal(second, await fileKey(file));
    assert.is.not((second as { key: string }).key, first.key);
  }
});

race('an editor saving by temp file and rename at full speed beside a writer never loses an edit', async () => {
  const file = join(raceFolder, 'conversation.json');
  writeFileSync(file, JSON.stringify({ edits: [], saves: [] }));
  // Counts, not time: on a loaded machine an fsync'd save can take 50 ms. The editor runs until told to stop.
  const wantedSaves = 200;
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const editor = new Worker(editorSource, { eval: true, workerData: { file, stop } });
  const editorDone = new Promise<{ edits: number; lost: number[] }>((resolve, reject) =>
    editor.once('message', resolve).once('error', reject),
  );
  let saves = 0;
  let stale = 0;
  const giveUp = Date.now() + 60_000;
  while (saves < wantedSaves && Date.now() < giveUp) {
    const read = await fileKey(file);
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { edits: number[]; saves: number[] };
    if ((await fileKey(file)).key !== read.key) continue;
    doc.saves.push(saves + stale);
    if (closedAside(await replaceIfUnchanged(file, JSON.stringify(doc), read.key)) === 'stale') stale++;
    else saves++;
  }
  Atomics.store(stop, 0, 1);
  const { edits, lost } = await editorDone;
  const final = JSON.parse(readFileSync(file, 'utf8')) as { edits: number[] };
  const missing = Array.from({ length: edits }, (_, index) => index + 1).filter((edit) => !final.edits.includes(edit));
  assert.equal({ lost, missing }, { lost: [], missing: [] });
  assert.is(saves, wantedSaves, `only ${saves} saves (${stale} stale) in a minute`);
  assert.equal(
    readdirSync(raceFolder).filter((name) => !name.endsWith('.swp')),
    ['conversation.json'],
  );
});

/**
 * The editor, on its own thread: read, add the next edit number, write a temp file, and rename it over the file
 * unless the file changed since it was read (as editors warn); then a pause of up to a millisecond, so saves get
 * through too. Each read checks that every edit it made is still there.
 */
const editorSource = `
const { readFileSync, renameSync, writeFileSync } = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const { file, stop } = workerData;
const pause = new Int32Array(new SharedArrayBuffer(4));
let edits = 0;
const lost = new Set();
while (Atomics.load(stop, 0) === 0) {
  Atomics.wait(pause, 0, 0, Math.random());
  let text;
  try { text = readFileSync(file, 'utf8'); } catch { continue; } // away for the instant of a swap
  const doc = JSON.parse(text);
  for (let edit = 1; edit <= edits; edit++) if (!doc.edits.includes(edit)) lost.add(edit);
  doc.edits.push(edits + 1);
  writeFileSync(file + '.swp', JSON.stringify(doc));
  let now;
  try { now = readFileSync(file, 'utf8'); } catch { continue; }
  if (now !== text) continue;
  renameSync(file + '.swp', file);
  edits++;
}
parentPort.postMessage({ edits, lost: [...lost] });
`;

race.run();
