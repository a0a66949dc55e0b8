/**
 * @module The tree model, pure: views and mutations over SmartTavern's conversation.json (docs/conversation-files.md), no I/O.
 * A mutation reads a tree and returns a change set (`changes.ts`) that the store validates and applies.
 */
export { applyChanges, ChangeBuilder, withChanges } from './changes.js';
export { childrenInNodesOrder, hasNode, nodeOf, rootIds, siblingCount, siblingsOf } from './children-index.js';
export {
  branchTable,
  descend,
  latestMessage,
  latestOf,
  memoryKey,
  normaliseActivePath,
  imageAttachments,
  openaiMessages,
  pathTo,
  positionOf,
  rememberedChild,
  type Latest,
  type Position,
  type ProviderMessage,
} from './views.js';
export { appendMessage, updateMessage, type AppendInfo, type AppendInput, type UpdateInput } from './append.js';
export { deleteBranch, truncateAfter, type DeleteInfo } from './delete.js';
export { retryBranch, switchBranch, type RetryInput, type SwitchInfo, type SwitchInput } from './switch.js';
export { createConversationDoc, slugOf, type NewConversation } from './create.js';
export { validateChanges, validateDoc, type Problem } from './validate.js';
export { restoreNodes, type KeptNodes, type RestoredNode, type RestoreInfo } from './restore.js';
export type { TreeContext, TreeMutation } from './mutation.js';
export {
  resultText,
  stepMessages,
  toolStepsOf,
  type StepMessages,
  type ToolCallMessage,
  type ToolCallRecord,
  type ToolCallStatus,
  type ToolStep,
} from './tool-steps.js';
