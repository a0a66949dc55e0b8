/**
 * @module The conversation mode's headers: `X-Branchflow-Conversation` (a file under data/conversations/, or its
 * short name; or the short name in the path) and `X-Branchflow-Parent` (the node to answer under). Without a
 * conversation, a request is a relay.
 */
import { CallError } from '../../lib/call-error.js';

export const conversationHeader = 'X-Branchflow-Conversation';
export const parentHeader = 'X-Branchflow-Parent';

export interface ConversationTarget {
  /** Root-relative, e.g. data/conversations/branch_demo/conversation.json. */
  conversationFile: string;
  /** The node the user message goes under; absent: the active leaf. */
  parentNodeId?: string;
}

/**
 * The target of a request: from the header, or from the path (`/v1/conversations/<name>/...`, for chat UIs that
 * can set a base URL but no header). Both at once must agree.
 */
export function conversationTargetOf(headers: Headers, fromPath?: string): ConversationTarget | undefined {
  const fromHeader = headers.get(conversationHeader)?.trim();
  if (
    fromPath !== undefined &&
    fromHeader !== undefined &&
    fromHeader !== '' &&
    conversationFileOf(fromHeader) !== conversationFileOf(fromPath)
  ) {
    throw headerError(
      conversationHeader,
      `${conversationHeader} "${fromHeader}" and the conversation in the path, "${fromPath}", differ; send one`,
    );
  }
  const conversation = fromPath ?? fromHeader;
  const parent = headers.get(parentHeader)?.trim();
  if (conversation === undefined || conversation === '') {
    if (parent !== undefined && parent !== '') {
      throw headerError(parentHeader, `${parentHeader} was sent without ${conversationHeader}; name the conversation too`);
    }
    return undefined;
  }
  if (parent !== undefined && parent !== '' && !/^[A-Za-z0-9_-]{1,128}$/.test(parent)) {
    throw headerError(parentHeader, `${parentHeader} "${parent}" is not a node id (letters, digits, _ and -, at most 128)`);
  }
  return {
    conversationFile: conversationFileOf(conversation),
    ...(parent === undefined || parent === '' ? {} : { parentNodeId: parent }),
  };
}

/** `branch_demo` is data/conversations/branch_demo/conversation.json; anything with a slash is a path already. */
export function conversationFileOf(value: string): string {
  if (value.includes('/')) return value;
  if (!/^[A-Za-z0-9_.-]{1,200}$/.test(value) || /^\.+$/.test(value)) {
    throw headerError(
      conversationHeader,
      `${conversationHeader} "${value}" is neither a conversation file path nor a folder name under data/conversations/`,
    );
  }
  return `data/conversations/${value}/conversation.json`;
}

function headerError(header: string, message: string): CallError {
  return new CallError('BAD_INPUT', message, { details: { openai: { param: header, code: 'invalid_header' } } });
}
