/**
 * @module The chat_branches steps (namespace `modules`), in registration order.
 *
 * The folder owns the conversation API: SmartTavern's chat_branches inputs and outputs over the store's tree
 * model. Each step is a thin shell: it validates, then reads with `services.store` or commits a pure mutation
 * from src/store/index.ts. It may import src/lib/, src/store/index.ts, src/registry/ and src/services.ts (the
 * steps' layer may also reach src/llm/ and src/generation/; these need neither).
 */
import type { Step } from '../../registry/define-step.js';
import { appendMessageStep } from './append-message.js';
import { createConversationStep } from './create-conversation.js';
import { deleteBranchStep, truncateAfterStep } from './delete-steps.js';
import { deleteConversationStep } from './delete-conversation.js';
import { exportChatStep } from './export-chat.js';
import { importChatStep } from './import-chat.js';
import { listConversationsStep } from './list-conversations.js';
import { branchTableStep, getLatestMessageStep, getStep, openaiMessagesStep } from './read-steps.js';
import { renameConversationStep } from './rename-conversation.js';
import { readAttachmentStep } from './read-attachment.js';
import { restoreStep } from './restore.js';
import { retryBranchStep } from './retry-branch.js';
import { switchBranchStep } from './switch-branch.js';
import { updateMessageStep } from './update-message.js';
import { watchStep } from './watch.js';

export const chatBranchesSteps: Step[] = [
  openaiMessagesStep,
  branchTableStep,
  getLatestMessageStep,
  getStep,
  appendMessageStep,
  updateMessageStep,
  deleteBranchStep,
  truncateAfterStep,
  retryBranchStep,
  switchBranchStep,
  createConversationStep,
  listConversationsStep,
  watchStep,
  restoreStep,
  importChatStep,
  exportChatStep,
  deleteConversationStep,
  renameConversationStep,
  readAttachmentStep,
];
