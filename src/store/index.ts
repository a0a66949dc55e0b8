/**
 * @module The store's front door: the ConversationStore contract, the conversation document and its pure tree
 * model, and the file store. Code outside `src/store/` imports from here, never from the rooms inside:
 *   tree/   the pure tree model (parse, validate, ids, views, mutations); no I/O, imports only lib/ and
 *           schemas/conversation.schema.json (the file's shape, shared with editors)
 *   disk/   durable files: sandboxed paths, atomic writes, locks, the writer thread; imports tree/ and lib/
 *   watch/  folder watching and the fan-out of change events; imports lib/
 *   file/   the file store itself (cache, drafts, write batches, whose change it was); imports the three above
 *   postgres/ the PostgreSQL store (several servers share conversations), its migrations, export and import
 * The store as a whole imports nothing of the project but src/lib/.
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
export type { EditWrittenAside, FileChanged, NodesRemovedExternally, WatchEvent } from './watch/watch-event.js';
export type { RecoveryRecord } from './file/recovery-records.js';
export * from './tree/index.js';
export { createNodeId, isNodeId, nodeIdPattern } from './tree/node-id.js';
export { serialiseTree } from './tree/parse-tree.js';
export { timestamp } from './tree/timestamp.js';
export { writeDurably } from './disk/atomic-write.js';
export { isAttachmentReference } from './file/attachment-files.js';
export {
  conversationsFolder,
  createFileStore,
  defaultKeepRemovedMs,
  llmConfigsFolder,
  type FileStore,
  type FileStoreOptions,
} from './file/file-store.js';
export { openConfiguredStore, type OpenStoreOptions } from './open-store.js';
export { openPostgresStore, type PostgresStore, type PostgresStoreOptions } from './postgres/postgres-store.js';
export {
  exportConversations,
  importConversations,
  migrateDatabase,
  type DatabaseOptions,
  type ExportReport,
  type ImportReport,
} from './postgres/transfer.js';
