/**
 * @module Every relative link and image in README.md and docs/ resolves: the file (or folder) exists, and an
 * `#anchor` into a Markdown file names one of its headings (GitHub's slugs). Docs moved between pages must not
 * leave a reader at a dead link.
 */
import { existsSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** README.md and every docs/**\/*.md, root-relative, sorted. */
function markdownFiles(root: string): string[] {
  const found = existsSync(join(root, 'README.md')) ? ['README.md'] : [];
  const walk = (folder: string): void => {
    if (!existsSync(join(root, folder))) return;
    for (const entry of readdirSync(join(root, folder), { withFileTypes: true })) {
      const path = `${folder}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md')) found.push(path);
    }
  };
  walk('docs');
  return found.sort();
}

/**
 * The text outside fenced code blocks, inline code spans and HTML comments, where a `[x](y)` is a link and not an
 * example or a row kept for later (GitHub renders none of those).
 */
function proseOf(markdown: string): string {
  const lines: string[] = [];
  let fence: string | undefined;
  // Comments are blanked, their line breaks kept, so line numbers stay those of the file.
  const uncommented = markdown.replace(/<!--[\s\S]*?-->/g, (comment) => comment.replace(/[^\n]/g, ''));
  for (const line of uncommented.split('\n')) {
    const opening = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined && opening !== undefined) fence = opening;
    else if (fence !== undefined && line.trim().startsWith(fence)) fence = undefined;
    else if (fence === undefined) lines.push(line.replace(/(`+)[^`]*?\1/g, ''));
    // Lines inside a fence count as empty, so line numbers stay those of the file.
    if (fence !== undefined || opening !== undefined) lines.push('');
  }
  return lines.join('\n');
}

/** Inline links and images (`[x](target)`, `![x](target "title")`) and reference definitions (`[x]: target`). */
function linkTargets(markdown: string): { line: number; target: string }[] {
  const targets: { line: number; target: string }[] = [];
  proseOf(markdown)
    .split('\n')
    .forEach((text, index) => {
      for (const match of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) targets.push({ line: index + 1, target: match[1]! });
      const definition = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/.exec(text);
      if (definition) targets.push({ line: index + 1, target: definition[1]! });
    });
  return targets;
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2... */
function headingSlugs(markdown: string): Set<string> {
  const slugs = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseOfHeadings(markdown)) {
    const text = line
      .replace(/^#{1,6}\s+/, '')
      .replace(/\s+#+\s*$/, '')
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<[^>]+>/g, '');
    const base = text
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    slugs.add(count === 0 ? base : `${base}-${count}`);
  }
  return slugs;
}

/** ATX headings outside fenced code blocks (code spans kept: their text is part of the slug). */
function proseOfHeadings(markdown: string): string[] {
  const headings: string[] = [];
  let fence: string | undefined;
  for (const line of markdown.split('\n')) {
    const opening = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined && opening !== undefined) fence = opening;
    else if (fence !== undefined && line.trim().startsWith(fence)) fence = undefined;
    else if (fence === undefined && /^#{1,6}\s/.test(line)) headings.push(line);
  }
  return headings;
}

/** Every relative link under `root` whose file or heading is missing, as `file:line -> target (why)`. */
function brokenLinks(root: string): string[] {
  const broken: string[] = [];
  for (const file of markdownFiles(root)) {
    for (const { line, target } of linkTargets(readFileSync(join(root, file), 'utf8'))) {
      // Absolute URLs (http:, mailto:...) and protocol-relative ones are not ours to check.
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue;
      const [pathPart = '', anchor] = target.split('#', 2);
      const path = decodeURIComponent(pathPart);
      const where = `${file}:${line} -> ${target}`;
      const targetFile = path === '' ? join(root, file) : resolve(root, dirname(file), path);
      if (relative(root, targetFile).startsWith('..')) {
        broken.push(`${where} (leads outside the repository)`);
      } else if (!existsSync(targetFile)) {
        broken.push(`${where} (no such file)`);
      } else if (anchor !== undefined && targetFile.endsWith('.md') && !headingSlugs(readFileSync(targetFile, 'utf8')).has(anchor)) {
        broken.push(`${where} (no heading with that anchor)`);
      }
    }
  }
  return broken;
}

const test = suite('documentation links');

test('a broken file, a broken anchor and a path out of the repository are found; good links, code and comments are not', () => {
  const root = mkdtempSync(join(tmpdir(), 'branchflow-links-'));
  try {
    mkdirSync(join(root, 'docs/deeper'), { recursive: true });
    writeFileSync(join(root, 'picture.png'), '');
    writeFileSync(
      join(root, 'README.md'),
      [
        '# Title',
        '![a picture](picture.png) and [a page](docs/page.md#the-store-isnt-slow) and [up](docs/deeper/)',
        '[gone](docs/missing.md) [bad anchor](docs/page.md#nowhere) [web](https://example.com/x.md) [here](#title)',
        '`[not a link](in-code.md)`',
        '```',
        '[not a link either](in-a-fence.md)',
        '```',
        '[out]: ../outside.md',
        '<!-- a row kept for later: [soon](docs/soon.md)',
        '[later](docs/later.md) -->',
        '[after the comment](docs/after.md)',
      ].join('\n'),
    );
    writeFileSync(join(root, 'docs/page.md'), "# Page\n\n## The store isn't slow\n\n[back](../README.md#title) [twice](#page-1)\n");
    assert.equal(brokenLinks(root), [
      'README.md:3 -> docs/missing.md (no such file)',
      'README.md:3 -> docs/page.md#nowhere (no heading with that anchor)',
      'README.md:8 -> ../outside.md (leads outside the repository)',
      'README.md:11 -> docs/after.md (no such file)',
      'docs/page.md:5 -> #page-1 (no heading with that anchor)',
    ]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('repeated headings get -1, -2 anchors as on GitHub', () => {
  assert.equal(
    [...headingSlugs('# A\n## Setup\n### Setup\n```\n# not a heading\n```\n## `${ENV}` placeholders and `.env`\n')],
    ['a', 'setup', 'setup-1', 'env-placeholders-and-env'],
  );
});

test('every relative link in README.md and docs/ resolves', () => {
  assert.ok(markdownFiles(repositoryRoot).includes('README.md'));
  assert.equal(brokenLinks(repositoryRoot), []);
});

test.run();
