/**
 * @module The store's front door: the ConversationStore contract, the conversation document and its pure tree
 * model, and the file store. Code outside `src/store/` imports from here, never from the rooms inside:
 *   tree/   the pure tree model (parse, validate, ids, views, mutations); no I/O, imports only lib/
 *   disk/   durable files: sandboxed paths, atomic writes, locks, the writer thread; imports tree/ and lib/
 *   watch/  folder watching and the fan-out of change events; imports lib/
 *   file/   the file store itself (cache, drafts, write batches, whose change it was); imports the three above
 */
export type { ConversationStore, ConversationSummary, StoreStatus } from './conversation-store.js';
export { keptChanging } from './conversation-store.js';
export type {
  ChangePath,
  ConversationDoc,
  ConversationNode,
  ConversationSettings,
  DocChange,
  Mutation,
  NodeMeta,
  Role,
} from './tree/document.js';
export type { WatchEvent } from './watch/watch-event.js';
export * from './tree/index.js';
export { createNodeId, isNodeId, nodeIdPattern } from './tree/node-id.js';
export { serialiseTree } from './tree/parse-tree.js';
export { timestamp } from './tree/timestamp.js';
export { writeDurably } from './disk/atomic-write.js';
export { isAttachmentReference } from './file/attachment-files.js';
export { conversationsFolder, createFileStore, llmConfigsFolder, type FileStore, type FileStoreOptions } from './file/file-store.js';
