/**
 * @module Provider-safe tool names. Providers accept only `[A-Za-z0-9_-]{1,64}` as a function name, while branchflow
 * names tools by step path (`modules/tools/current_time`) or `mcp:<server>/<tool>`. The mapping is a pure function,
 * so a stored turn maps the same way in every later request; the rare clash two names can have after it is settled
 * by the tool set of one request (tool-set.ts), which also maps a provider's answer back.
 */
import { createHash } from 'node:crypto';

const maxLength = 64;

export function providerToolName(name: string): string {
  const safe = name.replace(/^mcp:/, 'mcp_').replace(/[^A-Za-z0-9_-]+/g, '_');
  if (safe.length <= maxLength && safe !== '') return safe;
  // Too long: keep the readable end (the tool's own name) and make it unique with a short hash of the whole.
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${safe.slice(-(maxLength - hash.length - 1))}_${hash}`.replace(/^_+/, '');
}
