/**
 * @module Durable writes: on a disk that fills up a short write is an error, never a truncated file renamed over
 * the original (a small tmpfs, so those tests need root and `mount`; elsewhere they say so and pass); and a
 * replace happens only over the version it was made from, a hand edit since then making it stale.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileKey, replaceIfUnchanged, writeDurably } from '../../src/store/atomic-write.js';

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
  const second = await replaceIfUnchanged(file, 'two\n', first.key);
  assert.equal(second, await fileKey(file));
  assert.is(readFileSync(file, 'utf8'), 'two\n');
});

race.run();
