/**
 * @module A temporary project root for tests: `data/conversations/` and `data/llm_configs/`, helpers to write
 * and read files in it by root-relative path, and removal when done.
 */
import { cpSync, existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const examples = fileURLToPath(new URL('../../examples/', import.meta.url));

export interface TempRoot {
  /** Absolute path of the root (what `BRANCHFLOW_ROOT` / `services.root` would be). */
  root: string;
  /** Absolute path of a root-relative path. */
  path(relative: string): string;
  /** Writes a file (folders created); objects are written as SmartTavern does: 2-space JSON and a newline. */
  write(relative: string, content: string | Buffer | object): string;
  /**
   * Writes `data/conversations/<slug>/conversation.json` (and `settings.json` when given); returns the
   * conversation's root-relative path.
   */
  writeConversation(slug: string, doc: object | string, settings?: object): string;
  /** Writes `data/llm_configs/<name>.json`; returns its root-relative path. */
  writeLlmConfig(name: string, config: object): string;
  /** Copies the shipped examples (examples/conversations/*, examples/llm_configs/*) into data/, as `branchflow init` does. */
  copyExamples(): void;
  readText(relative: string): string;
  readBytes(relative: string): Buffer;
  readJson<Value = unknown>(relative: string): Value;
  /**
   * The `$schema` the engine writes into a file it creates in `folder` (root-relative): the path from there to
   * this checkout's schemas/ (from a root inside the checkout, `../../../schemas/<file>`).
   */
  schemaReference(folder: string, file: string): string;
  cleanup(): void;
}

/**
 * Reads a file as any outside reader would, except that a file missing for the instant a save swaps it (it is
 * then `<file>.displaced`, see src/store/atomic-write.ts) is read again once it is back, as the engine does.
 * The swap may also end between the failed read and the look for `.displaced` (a writer thread runs beside
 * this one): a file that is there again is read again too.
 */
function readFileOnDisk(absolute: string): Buffer {
  const until = performance.now() + 200;
  for (;;) {
    try {
      return readFileSync(absolute);
    } catch (error) {
      const swapping = existsSync(`${absolute}.displaced`) || existsSync(absolute);
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || !swapping || performance.now() > until) throw error;
    }
  }
}

const schemasFolder = fileURLToPath(new URL('../../schemas/', import.meta.url));

export function createTempRoot(prefix = 'branchflow-'): TempRoot {
  const root = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(root, 'data', 'conversations'), { recursive: true });
  mkdirSync(join(root, 'data', 'llm_configs'), { recursive: true });
  const path = (relative: string): string => join(root, relative);
  const write = (relative: string, content: string | Buffer | object): string => {
    mkdirSync(dirname(path(relative)), { recursive: true });
    const data = typeof content === 'string' || Buffer.isBuffer(content) ? content : JSON.stringify(content, null, 2) + '\n';
    writeFileSync(path(relative), data);
    return relative;
  };
  return {
    root,
    path,
    write,
    writeConversation(slug, doc, settings) {
      const file = write(`data/conversations/${slug}/conversation.json`, doc);
      if (settings) write(`data/conversations/${slug}/settings.json`, settings);
      return file;
    },
    writeLlmConfig: (name, config) => write(`data/llm_configs/${name}.json`, config),
    copyExamples() {
      for (const folder of ['conversations', 'llm_configs']) cpSync(join(examples, folder), path(`data/${folder}`), { recursive: true });
    },
    readText: (relative) => readFileOnDisk(path(relative)).toString('utf8'),
    readBytes: (relative) => readFileOnDisk(path(relative)),
    readJson: <Value>(relative: string) => JSON.parse(readFileOnDisk(path(relative)).toString('utf8')) as Value,
    schemaReference: (folder, file) => relative(path(folder), join(schemasFolder, file)).split(sep).join('/'),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
