/**
 * @module Undoes the empty branch a regenerate made when no reply came of it (it failed before it started, or it
 * ended with nothing saved): an empty reply is never kept as a node (DESIGN §6), and the active path goes back to
 * the reply that was regenerated.
 */
import type { StepContext } from '../../../src/registry/define-step.js';
import type { ConversationDoc, Position } from '../../../src/store/index.js';

/** Runs even when the client has gone: the cleanup is part of the step's way out. */
const unaborted = new AbortController().signal;

/**
 * @param emptyNodeId the sibling the regenerate made
 * @param retriedPosition where the regenerated reply stood on the active path before, if it was on it
 */
export async function removeEmptyBranch(
  file: string,
  emptyNodeId: string,
  retriedPosition: Position | undefined,
  context: StepContext,
): Promise<void> {
  try {
    const { doc } = await context.call<{ doc: ConversationDoc }>('modules/chat_branches/get', { file }, { signal: unaborted });
    // Someone (a person, another client) wrote into it meanwhile: it is theirs now.
    if (doc.nodes[emptyNodeId]?.content !== '') return;
    await context.call('modules/chat_branches/delete_branch', { file, node_id: emptyNodeId, return_mode: 'none' }, { signal: unaborted });
    // Deleting the last sibling hands the path to the one before it, which need not be the regenerated reply.
    if (retriedPosition) {
      await context.call(
        'modules/chat_branches/switch_branch',
        { file, node_id: retriedPosition.node_id, target_j: retriedPosition.j, return_mode: 'none' },
        { signal: unaborted },
      );
    }
  } catch (error) {
    context.logger.warn('could not remove the empty branch of a regenerate that saved no reply', { file, node_id: emptyNodeId, error });
  }
}
