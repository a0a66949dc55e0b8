/** @module Every CLI command, in the order `branchflow --help` lists them. A new command is one file and one entry. */
import type { CliCommand } from '../command.js';
import { callCommand } from './call.js';
import { completeCommand } from './complete.js';
import { configsCommand } from './configs.js';
import { dbCommand } from './db.js';
import { deleteCommand } from './delete.js';
import { removeConversationCommand, renameConversationCommand } from './conversation-files.js';
import { editCommand } from './edit.js';
import { exportCommand } from './export.js';
import { importCommand } from './import.js';
import { initCommand } from './init.js';
import { listCommand } from './list.js';
import { newCommand } from './new.js';
import { regenerateCommand } from './regenerate.js';
import { restoreCommand } from './restore.js';
import { sendCommand } from './send.js';
import { serveCommand } from './serve.js';
import { showCommand } from './show.js';
import { switchCommand } from './switch.js';
import { treeCommand } from './tree.js';
import { watchCommand } from './watch.js';

export const commands: CliCommand[] = [
  listCommand,
  showCommand,
  treeCommand,
  sendCommand,
  completeCommand,
  regenerateCommand,
  switchCommand,
  editCommand,
  deleteCommand,
  newCommand,
  renameConversationCommand,
  removeConversationCommand,
  exportCommand,
  importCommand,
  configsCommand,
  watchCommand,
  restoreCommand,
  callCommand,
  serveCommand,
  initCommand,
  dbCommand,
];
