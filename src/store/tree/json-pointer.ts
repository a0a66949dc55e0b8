/** @module JSON pointers (RFC 6901) for naming the first problem in a file: `/nodes/n_1/role`. */

export function jsonPointer(...segments: (string | number)[]): string {
  return segments.map((segment) => '/' + String(segment).replaceAll('~', '~0').replaceAll('/', '~1')).join('');
}
