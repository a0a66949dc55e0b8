/**
 * @module The tree model, pure: views and mutations over SmartTavern's conversation.json (DESIGN §4), no I/O.
 * A mutation reads a tree and returns a change set (`tree-changes.ts`) that the store validates and applies.
 */
export { applyChanges, ChangeBuilder, copyObject, isPlainObject, setOwn, withChanges } from './tree-changes.js';
export { childrenInNodesOrder, hasNode, nodeOf, rootIds, siblingCount, siblingsOf } from './tree-index.js';
export {
  branchTable,
  descend,
  latestMessage,
  latestOf,
  memoryKey,
  normaliseActivePath,
  openaiMessages,
  pathTo,
  positionOf,
  rememberedChild,
  type Latest,
  type Position,
  type ProviderMessage,
} from './tree-views.js';
export { appendMessage, updateMessage, type AppendInfo, type AppendInput, type UpdateInput } from './tree-append.js';
export { deleteBranch, truncateAfter, type DeleteInfo } from './tree-delete.js';
export { retryBranch, switchBranch, type RetryInput, type SwitchInfo, type SwitchInput } from './tree-switch.js';
export { createConversationDoc, slugOf, type NewConversation } from './tree-create.js';
export { validateChanges, validateDoc, type Problem } from './tree-validate.js';
export type { TreeContext, TreeMutation } from './tree-mutation.js';
