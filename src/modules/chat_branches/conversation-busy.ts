/**
 * @module A conversation with a generation running in this process is not deleted or renamed: the reply would be
 * saved into a conversation that is gone (or under its old name). The caller stops it first (or lets it end).
 */
import { CallError } from '../../lib/call-error.js';
import type { Services } from '../../services.js';

export function refuseWhileGenerating(services: Services, file: string, action: 'deleted' | 'renamed'): void {
  const running = services.generations
    .list()
    .filter((generation) => generation.status === 'running' && generation.conversation_file === file)
    .map((generation) => generation.generation_id);
  if (running.length === 0) return;
  throw new CallError(
    'CONFLICT',
    `${file} cannot be ${action} while a reply is being generated in it (generation ${running.join(', ')}); ` +
      'stop it with workflow/chat_completion/abort or wait until it ends',
    { details: { file, generation_ids: running } },
  );
}
