/**
 * @module Start-up recovery: a journal left behind means the process died while a reply streamed. Its text
 * is folded into the conversation as a node marked `meta.partial` and `meta.interrupted` (or into a
 * recovery file when the parent is gone), then the journal is removed. Nothing is recovered twice.
 */
import type { Logger } from '../../../src/lib/logger.js';
import { toCallError } from '../../../src/lib/call-error.js';
import type { Registry } from '../../../src/registry/registry.js';
import type { ConversationDoc } from '../../../src/store/index.js';
import { reasoningField } from './save-reply.js';
import { toolStepsField } from '../../../src/generation/reply-fold.js';
import {
  findJournals,
  removeJournal,
  removeUnreadableJournals,
  writeRecoveryFile,
  type RecoveredJournal,
} from '../../../src/generation/journal.js';

export interface RecoveryReport {
  generation_id: string;
  conversation_file: string;
  node_id?: string;
  recovery_file?: string;
  characters: number;
  reasoning_characters?: number;
  tool_calls?: number;
}

export async function recoverInterrupted(api: Registry, root: string, logger: Logger): Promise<RecoveryReport[]> {
  const reports: RecoveryReport[] = [];
  for (const journal of await removeUnreadableJournals(root)) {
    logger.warn('removed a journal cut short as it was created; it held no reply', { journal });
  }
  for (const journal of await findJournals(root)) {
    try {
      const report = await recoverOne(api, root, journal);
      await removeJournal(journal.path);
      if (report) {
        reports.push(report);
        logger.warn('recovered an interrupted reply', { ...report });
      }
    } catch (error) {
      // Most likely the conversation file is broken by hand right now: keep the journal for the next start.
      logger.error('could not recover an interrupted reply; its journal is kept', { journal: journal.path, error });
    }
  }
  return reports;
}

/**
 * Folds one interrupted reply into its conversation, marked partial and interrupted, unless it is saved already
 * (its node holds text): what start-up recovery does for a journal, and what a server taking over another
 * server's generation does with the text streamed so far. Undefined when there was nothing to save.
 */
export async function recoverOne(
  api: Registry,
  root: string,
  journal: Pick<RecoveredJournal, 'header' | 'content' | 'reasoning' | 'tool_steps'>,
): Promise<RecoveryReport | undefined> {
  const { header, content, reasoning, tool_steps: toolSteps } = journal;
  if (content === '' && reasoning === '' && toolSteps.length === 0) return undefined;
  const file = header.conversation_file;
  const { doc } = await api.call<{ doc: ConversationDoc }>('modules/chat_branches/get', { file });
  const existing = doc.nodes[header.node_id];
  // Saved before the crash and only the journal's removal was lost.
  if (existing && (existing.content !== '' || typeof existing['reasoning'] === 'string' || existing['tool_steps'] !== undefined))
    return undefined;
  const fields = { ...reasoningField(reasoning), ...toolStepsField(toolSteps) };

  const meta = {
    generation_id: header.generation_id,
    ...(header.provider === undefined ? {} : { provider: header.provider }),
    ...(header.model === undefined ? {} : { model: header.model }),
    usage: null,
    finish_reason: 'interrupted',
    partial: true,
    interrupted: true,
  };
  const base = {
    generation_id: header.generation_id,
    conversation_file: file,
    characters: content.length,
    ...(reasoning === '' ? {} : { reasoning_characters: reasoning.length }),
    ...(toolSteps.length === 0 ? {} : { tool_calls: toolSteps.reduce((sum, step) => sum + step.tool_calls.length, 0) }),
  };
  try {
    if (header.fill_target && existing) {
      await api.call('modules/chat_branches/update_message', {
        file,
        node_id: header.node_id,
        content,
        ...fields,
        meta,
        expected_content: '',
        return_mode: 'none',
      });
    } else {
      await api.call('modules/chat_branches/append_message', {
        file,
        node_id: header.node_id,
        pid: header.parent_id,
        role: 'assistant',
        content,
        ...fields,
        meta,
        return_mode: 'none',
      });
    }
    return { ...base, node_id: header.node_id };
  } catch (error) {
    const code = toCallError(error).code;
    if (code !== 'NOT_FOUND' && code !== 'CONFLICT') throw error;
    const recoveryFile = await writeRecoveryFile(root, {
      ...header,
      role: 'assistant',
      content,
      ...fields,
      meta,
      reason: toCallError(error).message,
      saved_at: new Date().toISOString(),
    });
    return { ...base, recovery_file: recoveryFile };
  }
}
