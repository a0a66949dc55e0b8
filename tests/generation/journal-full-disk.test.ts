/**
 * @module The journal on a disk that fills up: a failed checkpoint keeps its text and leaves no torn line, and
 * a reply whose last checkpoint failed reaches its journal once there is room. The disk is a small tmpfs, so
 * these tests need root and `mount`; elsewhere they say so and pass.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findJournals, GenerationJournal, type JournalHeader } from '../../src/generation/journal.js';

const test = suite('generation journal on a full disk');
let root = '';
let mounted = false;

const header: JournalHeader = {
  generation_id: 'gen_full',
  conversation_file: 'data/conversations/demo/conversation.json',
  parent_id: 'u',
  node_id: 'n_ass1',
  fill_target: false,
  started_at: '2026-11-22T00:00:00.000Z',
};

test.before.each(() => {
  root = mkdtempSync(join(tmpdir(), 'branchflow-journal-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=128k', 'tmpfs', root], { stdio: 'ignore' });
    mounted = true;
  } catch {
    mounted = false;
  }
});

test.after.each(() => {
  if (mounted) execFileSync('umount', [root]);
  rmSync(root, { recursive: true, force: true });
});

function fill(): void {
  const stats = statfsSync(root);
  writeFileSync(join(root, 'filler'), Buffer.alloc(stats.bavail * stats.bsize));
}

const piece = (index: number): string => `piece ${index} `.padEnd(3000, '.');

test('checkpoints on a full disk keep their text, leave no torn line, and all of it lands once there is room', async () => {
  if (!mounted) return void console.log('  (skipped: mounting a tmpfs needs root)');
  const journal = await GenerationJournal.open(root, header, 60_000);
  journal.write(piece(0));
  await journal.flush();
  fill();
  for (let index = 1; index <= 4; index++) {
    journal.write(piece(index));
    await journal.flush().then(
      () => assert.unreachable('a checkpoint on a full disk should fail'),
      (error: NodeJS.ErrnoException) => assert.is(error.code, 'ENOSPC'),
    );
    // Only whole lines on disk: what recovery would find now is the first piece, nothing torn after it.
    assert.is((await findJournals(root))[0]?.content, piece(0));
  }
  rmSync(join(root, 'filler'));
  await journal.flush();
  assert.is((await findJournals(root))[0]?.content, [0, 1, 2, 3, 4].map(piece).join(''));
  await journal.close({ remove: true });
});

test('a reply whose last checkpoint failed is written to its journal once there is room', async () => {
  if (!mounted) return void console.log('  (skipped: mounting a tmpfs needs root)');
  const journal = await GenerationJournal.open(root, header, 20);
  journal.write(piece(0));
  await journal.flush();
  fill();
  journal.write(piece(1));
  await journal.close({ remove: false });
  assert.is((await findJournals(root))[0]?.content, piece(0));
  assert.is(await GenerationJournal.settleAll(), 1);
  rmSync(join(root, 'filler'));
  // The retry runs on the checkpoint interval; settleAll (what shutdown calls) is the last chance.
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.is(await GenerationJournal.settleAll(), 0);
  assert.is((await findJournals(root))[0]?.content, piece(0) + piece(1));
});

test.run();
