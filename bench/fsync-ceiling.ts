/**
 * @module The disk's ceiling for persisted replies: how many 4 KB temp-file write + fsync + rename (+ folder fsync)
 * this machine does per second, one at a time and with 16 and 64 in flight, each into its own folder as the
 * capacity scenario's replies are. A persisted reply cannot beat this unless saves are grouped.
 *   node --import tsx bench/fsync-ceiling.ts [seconds per case, default 3]
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const seconds = Number(process.argv[2] ?? 3);
const root = mkdtempSync(join(tmpdir(), 'branchflow-fsync-'));
const payload = Buffer.alloc(4096, 'x');
const folders = Array.from({ length: 64 }, (_, index) => {
  const folder = join(root, `c${index}`);
  mkdirSync(folder);
  return folder;
});

async function save(folder: string, counter: number, syncFolder: boolean): Promise<void> {
  const temp = join(folder, `conversation.json.${counter}`);
  const handle = await open(temp, 'wx');
  await handle.writeFile(payload);
  await handle.sync();
  await handle.close();
  await rename(temp, join(folder, 'conversation.json'));
  if (syncFolder) {
    const directory = await open(folder, 'r');
    await directory.sync();
    await directory.close();
  }
}

async function rate(inFlight: number, syncFolder: boolean): Promise<number> {
  let done = 0;
  let counter = 0;
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: inFlight }, async (_, worker) => {
      while (performance.now() < until) {
        await save(folders[worker % folders.length]!, counter++, syncFolder);
        done++;
      }
    }),
  );
  return Math.round(done / seconds);
}

try {
  process.stdout.write('| in flight | write + fsync + rename | + folder fsync (what the engine does) |\n|---|---|---|\n');
  for (const inFlight of [1, 16, 64]) {
    process.stdout.write(`| ${inFlight} | ${await rate(inFlight, false)}/s | ${await rate(inFlight, true)}/s |\n`);
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
