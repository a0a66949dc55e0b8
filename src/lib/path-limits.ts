/**
 * @module Limits on a file parameter's shape, checked before the file system sees it: a name past the system's
 * limit failed deep inside as ENAMETOOLONG (a 500), and a path of thousands of folders cost seconds of realpath
 * calls before it was found missing. No conversation or config path comes near these limits.
 */

export const pathLimits = { characters: 1024, segmentBytes: 255, segments: 32 } as const;

/** The path for a message: its first 80 characters and an ellipsis when it is longer. */
export function shortenedPath(file: string): string {
  return file.length > 80 ? `${file.slice(0, 80)}…` : file;
}

/** What is wrong with the path's length or depth, in words, or undefined when it is within the limits. */
export function pathShapeProblem(file: string): string | undefined {
  if (file.length > pathLimits.characters) return `is ${file.length} characters long; a path here is at most ${pathLimits.characters}`;
  const segments = file.split(/[/\\]/);
  if (segments.length > pathLimits.segments) return `is ${segments.length} levels deep; a path here has at most ${pathLimits.segments}`;
  if (segments.some((segment) => Buffer.byteLength(segment, 'utf8') > pathLimits.segmentBytes)) {
    return `has a folder or file name longer than ${pathLimits.segmentBytes} bytes, which no file system here accepts`;
  }
  return undefined;
}
