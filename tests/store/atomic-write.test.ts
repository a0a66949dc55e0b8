/**
 * @module Durable writes on a disk that fills up: a short write must be an error, never a truncated file renamed
 * over the original. The disk is a small tmpfs, so these tests need root and `mount`; elsewhere they say so and
 * pass (the fault suite, `npm run test:faults`, checks the same on a full disk end to end).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDurably } from '../../src/store/atomic-write.js';

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
