/**
 * @module Taking over a generation whose server went away (a shared generation log): the text it streamed is
 * saved as a recovered reply is at start-up (marked `partial` and `interrupted`, never twice: a node that already
 * holds text is left alone), and its stream is closed the way a reply cut short is: finish, saved, error, end.
 */
import type { GenerationEvent } from '../../../src/generation/generation-events.js';
import type { OrphanedGeneration } from '../../../src/generation/generation-log.js';
import type { Logger } from '../../../src/lib/logger.js';
import type { Registry } from '../../../src/registry/registry.js';
import { recoverOne } from './recover-interrupted.js';

export async function takeOverGeneration(
  api: Registry,
  root: string,
  orphan: OrphanedGeneration,
  logger: Logger,
): Promise<GenerationEvent[]> {
  const gone = 'the server running this generation went away; the text streamed so far was saved, marked partial';
  const closing: GenerationEvent[] = [{ type: 'finish', finish_reason: 'interrupted' }];
  const { content, reasoning, tool_steps, ...header } = orphan;
  const report = await recoverOne(api, root, { header: { ...header }, content, reasoning, tool_steps });
  if (report?.node_id !== undefined) closing.push({ type: 'saved', node_id: report.node_id, usage: null, partial: true });
  if (report?.recovery_file !== undefined) {
    closing.push({
      type: 'error',
      code: 'UNAVAILABLE',
      message: `the server running this generation went away; its text could not be saved in ${orphan.conversation_file} and was written to ${report.recovery_file}`,
      recovery_file: report.recovery_file,
    });
  } else {
    closing.push({
      type: 'error',
      code: 'UNAVAILABLE',
      message:
        content === '' && reasoning === '' && tool_steps.length === 0
          ? 'the server running this generation went away before any text'
          : report === undefined
            ? 'the server running this generation went away after its reply was saved'
            : gone,
    });
  }
  closing.push({ type: 'end' });
  logger.warn('took over a generation whose server went away', { generation_id: orphan.generation_id, ...report });
  return closing;
}
