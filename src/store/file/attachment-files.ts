/**
 * @module Attachment files beside a conversation (`files/<sha256>.<ext>`): content-addressed, so the same image
 * sent twice is one file, written atomically (temp file, fsync, rename) and never rewritten. References are
 * checked against one strict pattern, so a hand-edited node cannot point outside its folder.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, realpath, stat } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { CallError } from '../../lib/call-error.js';
import { writeDurably } from '../disk/atomic-write.js';

export const attachmentsFolder = 'files';
const referencePattern = /^files\/[0-9a-f]{64}\.(png|jpg|gif|webp)$/;

export function isAttachmentReference(reference: string): boolean {
  return referencePattern.test(reference);
}

/** `conversationAbsolute`: the conversation file; returns the reference relative to its folder. */
export async function writeAttachmentFile(conversationAbsolute: string, bytes: Buffer, extension: string): Promise<string> {
  const reference = `${attachmentsFolder}/${createHash('sha256').update(bytes).digest('hex')}.${extension}`;
  if (!isAttachmentReference(reference)) throw new CallError('BAD_INPUT', `"${extension}" is not an attachment type branchflow keeps`);
  const absolute = join(dirname(conversationAbsolute), reference);
  const existing = await stat(absolute).catch(() => undefined);
  // Same name, same content (the name is its hash): a whole file of the right size is already there.
  if (existing?.isFile() && existing.size === bytes.length) return reference;
  await mkdir(dirname(absolute), { recursive: true });
  await writeDurably(absolute, bytes);
  return reference;
}

/** NOT_FOUND naming the file (and `where`, e.g. the node) when it is missing; BAD_INPUT for a malformed reference. */
export async function readAttachmentFile(
  conversationAbsolute: string,
  conversationRelative: string,
  reference: string,
  where: string,
): Promise<Buffer> {
  if (!isAttachmentReference(reference)) {
    throw new CallError('BAD_INPUT', `${where}: "${reference}" is not an attachment reference (files/<sha256>.<png|jpg|gif|webp>)`, {
      details: { file: reference },
    });
  }
  const folder = dirname(conversationRelative);
  try {
    const absolute = join(dirname(conversationAbsolute), reference);
    // A link under files/ (put there by hand) must not lead out of the conversation's folder.
    const [real, realFolder] = await Promise.all([realpath(absolute), realpath(dirname(conversationAbsolute))]);
    if (!real.startsWith(realFolder + sep)) {
      throw new CallError('FORBIDDEN', `${where}: ${folder}/${reference} leads outside ${folder}/`, {
        details: { file: `${folder}/${reference}` },
      });
    }
    return await readFile(real);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new CallError('NOT_FOUND', `${where} refers to ${folder}/${reference}, which does not exist`, {
        details: { file: `${folder}/${reference}` },
      });
    }
    throw error;
  }
}
