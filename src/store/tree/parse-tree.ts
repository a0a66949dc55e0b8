/** @module Reading a conversation file's text into a validated tree, or the problem with it (pointer, or line and column). */
import { fileDepthLimit, tooDeepAt } from '../../lib/json-depth.js';
import { CallError } from '../../lib/call-error.js';
import type { ConversationDoc } from './document.js';
import { validateDoc } from './validate.js';

export interface FileProblem {
  message: string;
  /** JSON pointer of the first invalid field (a file that parses but does not validate). */
  pointer?: string;
  /** Where the JSON stops parsing (a file that does not parse). */
  line?: number;
  column?: number;
}

export type ParsedTree = { doc: ConversationDoc; problem?: never } | { problem: FileProblem; doc?: never };

export function parseTree(text: string): ParsedTree {
  let value: unknown;
  try {
    // A byte-order mark is how some Windows editors save UTF-8; it is not part of the JSON.
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    return { problem: { message: `is not valid JSON: ${(error as Error).message}`, ...lineAndColumn(text, error as Error) } };
  }
  // Before validation, which recurses: a file nested thousands deep would overflow the stack there.
  const tooDeep = tooDeepAt(value, fileDepthLimit);
  if (tooDeep !== undefined) return { problem: { message: `nests deeper than ${fileDepthLimit} levels`, pointer: tooDeep } };
  const problem = validateDoc(value, { fromJson: true });
  return problem ? { problem } : { doc: value as ConversationDoc };
}

function lineAndColumn(text: string, error: Error): { line?: number; column?: number } {
  const position = /position (\d+)/.exec(error.message);
  const offset = position ? Number(position[1]) : text.length;
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** INVALID_FILE naming the file and where its first problem is; the file is never written in this state. */
export function invalidFileError(file: string, problem: FileProblem): CallError {
  const where =
    problem.pointer !== undefined
      ? ` at ${problem.pointer || '/'}`
      : problem.line !== undefined
        ? ` (line ${problem.line}, column ${problem.column})`
        : '';
  return new CallError(
    'INVALID_FILE',
    `${file}${where} ${problem.message}; fix the file by hand, the engine will not write it until then`,
    {
      details: { file, ...problem },
    },
  );
}

export function serialiseTree(doc: ConversationDoc): string {
  return JSON.stringify(doc, null, 2) + '\n';
}
