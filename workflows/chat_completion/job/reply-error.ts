/**
 * @module The error `complete` throws for a generation that ended in an error event, whether it ran here or is
 * read from another server's log: the event's own code (UPSTREAM_FAILED when it is none of ours), its words, and
 * where the partial reply went.
 */
import { CallError, callErrorCodes, type CallErrorCode } from '../../../src/lib/call-error.js';

export interface FailedReply {
  generationId: string;
  error: { code: string; message: string };
  /** The node the partial reply was saved as; undefined when nothing was saved. */
  nodeId: string | undefined;
  /** The file the reply was kept in when it could not be saved into the conversation; undefined otherwise. */
  recoveryFile: string | undefined;
}

export function replyError({ generationId, error, nodeId, recoveryFile }: FailedReply): CallError {
  const code = (callErrorCodes as readonly string[]).includes(error.code) ? (error.code as CallErrorCode) : 'UPSTREAM_FAILED';
  const saved = nodeId === undefined ? '' : `; the partial reply was saved as node ${nodeId}`;
  return new CallError(code, error.message + saved, {
    details: {
      generation_id: generationId,
      ...(nodeId === undefined ? {} : { node_id: nodeId, partial: true }),
      ...(recoveryFile === undefined ? {} : { recovery_file: recoveryFile }),
    },
    // The same words complete_stream's error event carries: written for the caller (where the reply went), no internals.
    exposed: true,
  });
}
