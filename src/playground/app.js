// The playground's state and wiring: which conversation is open, what is streaming, and what each control does.
import { ApiError, callStep, describeError, storeToken, streamUrl } from './api-client.js';
import { renderMessages } from './conversation-view.js';
import { followGeneration, watchFiles } from './event-streams.js';
import { followConfigReason } from './config-reason.js';
import { fillConfigSelect, renderConversationList } from './sidebar.js';
import { downloadExport } from './conversation-actions.js';
import { createImageAttacher } from './image-attach.js';
import { updateStreamingContent } from './message-body.js';
import { isNearBottom, scrollToNewest } from './scroll.js';
import { applyToolEvent, toolEventTypes } from './tool-steps.js';

/** @param {string} id */
const byId = (id) => /** @type {any} */ (document.getElementById(id));

const elements = {
  liveStatus: byId('live-status'),
  errorBanner: byId('error-banner'),
  errorText: byId('error-text'),
  errorDismiss: byId('error-dismiss'),
  tokenForm: byId('token-form'),
  tokenReason: byId('token-reason'),
  tokenInput: byId('token-input'),
  conversationList: byId('conversation-list'),
  conversationListEmpty: byId('conversation-list-empty'),
  createForm: byId('create-form'),
  createName: byId('create-name'),
  createConfig: byId('create-config'),
  createSystem: byId('create-system'),
  title: byId('conversation-title'),
  fileName: byId('conversation-file'),
  fileProblem: byId('file-problem'),
  fileProblemText: byId('file-problem-text'),
  messageList: byId('message-list'),
  composer: byId('composer'),
  composerInput: byId('composer-input'),
  composerConfig: byId('composer-config'),
  sendButton: byId('send-button'),
  stopButton: byId('stop-button'),
  streamStatus: byId('stream-status'),
  removedNotice: byId('removed-notice'),
  removedNoticeText: byId('removed-notice-text'),
  removedRestore: byId('removed-restore'),
  removedDismiss: byId('removed-dismiss'),
  sendReason: byId('send-reason'),
};

const state = {
  /** @type {import('./sidebar.js').ConversationSummary[]} */ conversations: [],
  /** @type {import('./sidebar.js').ConfigSummary[]} */ configs: [],
  /** @type {string | null} */ file: null,
  /** @type {any} */ doc: null,
  /** @type {import('./conversation-view.js').Level[]} */ levels: [],
  /** Why the open file cannot be shown (invalid, removed); its stale content is not shown meanwhile. @type {string | null} */ problem:
    null,
  /** @type {(import('./conversation-view.js').Draft & { generationId: string | null }) | null} */ draft: null,
  /** @type {{ close(): void } | null} */ stream: null,
  /** @type {import('./conversation-view.js').Editing | null} */ editing: null,
  /** A write is in flight: actions wait, so two clicks cannot race each other. */ writing: false,
  /** Answers of an older load must not overwrite a newer one. */ loadSequence: 0,
  /** @type {HTMLElement | null} */ draftContent: null,
  /** @type {{ close(): void } | null} */ watch: null,
  /**
   * What the engine kept from outside edits, per conversation file, until restored or dismissed: each a recovery
   * file with the nodes (and fields) it holds. @type {Map<string, { type: string, recovery_file: string, node_ids: string[], fields: string[] }[]>}
   */
  kept: new Map(),
  /** The next render of the open conversation scrolls to its newest message (it was just opened). */ scrollOnLoad: false,
};

const updateConfigReason = followConfigReason(elements.composerConfig, byId('composer-config-reason'), () => state.configs);
const updateCreateConfigReason = followConfigReason(elements.createConfig, byId('create-config-reason'), () => state.configs);
const images = createImageAttacher(
  { picker: byId('image-picker'), pasteTarget: elements.composerInput, list: byId('pending-images'), problem: byId('image-problem') },
  () => render(),
);

// ---- errors and the token ---------------------------------------------------------------------------------------

/** Every failure ends here, in words; an UNAUTHORIZED one asks for the token. @param {unknown} error @param {string} doing */
function showError(error, doing) {
  if (error instanceof ApiError && error.code === 'UNAUTHORIZED') {
    askForToken(error.message);
    return;
  }
  elements.errorText.textContent = `Could not ${doing}. ${describeError(error)}`;
  elements.errorBanner.hidden = false;
}

function clearError() {
  elements.errorBanner.hidden = true;
  elements.errorText.textContent = '';
}

/** @param {string} reason the server's words (no token sent, or a wrong one) */
function askForToken(reason) {
  elements.tokenReason.textContent = `The server needs its BRANCHFLOW_TOKEN (${reason}). It is kept in this tab only.`;
  elements.tokenForm.hidden = false;
  elements.tokenInput.focus();
}

elements.tokenForm.addEventListener('submit', (/** @type {Event} */ event) => {
  event.preventDefault();
  storeToken(elements.tokenInput.value.trim());
  elements.tokenInput.value = '';
  elements.tokenForm.hidden = true;
  clearError();
  state.watch?.close();
  void start();
});

elements.errorDismiss.addEventListener('click', clearError);

// ---- loading ----------------------------------------------------------------------------------------------------

async function loadConversations() {
  const reply = await callStep('modules/chat_branches/list_conversations');
  state.conversations = reply.conversations;
  renderSidebar();
}

async function loadConfigs() {
  const reply = await callStep('modules/llm_api/list_configs');
  state.configs = reply.configs;
  fillConfigSelect(elements.createConfig, state.configs, null);
  fillConfigSelect(elements.composerConfig, state.configs, { label: "The conversation's own config" });
  updateConfigReason();
  updateCreateConfigReason();
}

/** Reads the open conversation: the tree, and j/n at every depth of its active path. */
async function loadConversation() {
  const file = state.file;
  if (file === null) return;
  const sequence = ++state.loadSequence;
  try {
    const [tree, table] = await Promise.all([
      callStep('modules/chat_branches/get', { file }),
      callStep('modules/chat_branches/branch_table', { file }),
    ]);
    if (sequence !== state.loadSequence) return;
    state.doc = tree.doc;
    state.levels = table.levels;
    state.problem = null;
  } catch (error) {
    if (sequence !== state.loadSequence) return;
    if (error instanceof ApiError && (error.code === 'INVALID_FILE' || error.code === 'NOT_FOUND')) {
      state.problem = `${error.code}: ${error.message}`;
      state.doc = null;
      state.levels = [];
    } else {
      showError(error, `read ${file}`);
    }
  }
  render();
}

let reloadTimer = /** @type {ReturnType<typeof setTimeout> | undefined} */ (undefined);
/** Several changes in a burst (a stream saving, an editor writing twice) cost one read. */
function scheduleReload() {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(() => void loadConversation(), 30);
}

let listTimer = /** @type {ReturnType<typeof setTimeout> | undefined} */ (undefined);
function scheduleListReload() {
  clearTimeout(listTimer);
  listTimer = setTimeout(() => void loadConversations().catch((error) => showError(error, 'list the conversations')), 100);
}

/** @param {string} file */
function openConversation(file) {
  if (state.draft) {
    // One stream at a time: the reply belongs to the open conversation, so it stays open until the reply ends.
    elements.streamStatus.textContent = 'A reply is streaming: stop it or let it finish before opening another conversation.';
    return;
  }
  state.file = file;
  state.doc = null;
  state.levels = [];
  state.problem = null;
  state.editing = null;
  state.scrollOnLoad = true;
  history.replaceState(null, '', `#${encodeURIComponent(file)}`);
  renderSidebar();
  render();
  void loadConversation();
  elements.composerInput.focus();
}

// ---- rendering --------------------------------------------------------------------------------------------------

function renderSidebar() {
  renderConversationList(elements.conversationList, state.conversations, state.file, openConversation, conversationHandlers);
  elements.conversationList.setAttribute('aria-busy', 'false');
  elements.conversationListEmpty.hidden = state.conversations.length > 0;
}

/** The notice for the open conversation: "2 replies were removed by an outside edit — Restore / Dismiss". */
function renderKeptNotice() {
  const kept = state.file === null ? [] : (state.kept.get(state.file) ?? []);
  elements.removedNotice.hidden = kept.length === 0;
  if (kept.length === 0) return;
  const removed = kept.filter((item) => item.type === 'nodes_removed_externally').reduce((total, item) => total + item.node_ids.length, 0);
  const aside = kept.filter((item) => item.type === 'edit_written_aside').length;
  const parts = [];
  if (removed > 0) parts.push(`${removed} ${removed === 1 ? 'reply was' : 'replies were'} removed by an outside edit`);
  if (aside > 0)
    parts.push(`${aside} outside ${aside === 1 ? 'edit was' : 'edits were'} saved into a version the engine had just replaced`);
  elements.removedNoticeText.textContent = `${parts.join('; ')}. They are kept beside the conversation.`;
  elements.removedRestore.disabled = state.writing || state.draft !== null;
}

/** Why Send is off right now, in words ('' when it is on). */
function sendBlockedBecause() {
  if (state.problem !== null) return 'Send is off: this conversation file cannot be read (see above). Fix the file and it comes back.';
  if (state.doc === null) return 'Send is off until the conversation has loaded.';
  if (state.draft !== null) return '';
  return '';
}

function render() {
  renderKeptNotice();
  const busy = state.draft !== null || state.writing;
  const open = state.file !== null;
  const listed = state.conversations.find((conversation) => conversation.file === state.file);
  elements.title.textContent = !open ? 'Pick or create a conversation' : (state.doc?.name ?? listed?.name ?? state.file);
  elements.fileName.textContent = state.file ?? '';
  elements.fileProblem.hidden = state.problem === null;
  elements.fileProblemText.textContent = state.problem ?? '';
  elements.composer.hidden = !open;
  elements.sendButton.disabled = busy || state.problem !== null || state.doc === null;
  const reason = open ? sendBlockedBecause() : '';
  elements.sendReason.textContent = reason;
  elements.sendReason.hidden = reason === '';
  elements.stopButton.disabled = !state.draft?.generationId;
  elements.messageList.setAttribute('aria-busy', String(state.draft !== null || (open && state.doc === null && state.problem === null)));

  const model = {
    nodes: state.problem === null && state.doc ? state.doc.nodes : {},
    levels: state.problem === null ? state.levels : [],
    draft: state.draft?.nodeId
      ? {
          nodeId: state.draft.nodeId,
          parentId: state.draft.parentId,
          text: state.draft.text,
          reasoning: state.draft.reasoning,
          tools: state.draft.tools,
        }
      : null,
    editing: state.editing,
    busy,
    imageUrl,
  };
  if (!open || state.problem !== null || state.doc === null) {
    const loading = open && state.problem === null;
    elements.messageList.replaceChildren(...(loading ? [loadingItem('Loading the conversation…')] : []));
    state.draftContent = null;
    return;
  }
  // Follow the newest message: always when the conversation was just opened, else only if the reader is already there.
  const follow = state.scrollOnLoad || isNearBottom();
  state.scrollOnLoad = false;
  state.draftContent = renderMessages(elements.messageList, model, viewActions).draftContent;
  if (follow) scrollToNewest();
}

/** @param {string} text */
function loadingItem(text) {
  const item = document.createElement('li');
  item.className = 'loading muted';
  item.setAttribute('role', 'status');
  item.textContent = text;
  return item;
}

/** Where the browser gets an attached image: the API, with the token in the URL as EventSource has it. @param {string} reference */
function imageUrl(reference) {
  return streamUrl('attachment', { conversation_file: state.file ?? '', attachment: reference });
}

// ---- actions on messages ----------------------------------------------------------------------------------------

/**
 * Runs one write, then re-reads the conversation. The watch would bring the change too; reading at once keeps the
 * page in step with what the user just did.
 * @param {string} doing
 * @param {() => Promise<unknown>} write
 */
async function runWrite(doing, write) {
  if (state.writing || state.draft) return false;
  state.writing = true;
  render();
  clearError();
  try {
    await write();
    return true;
  } catch (error) {
    showError(error, doing);
    return false;
  } finally {
    state.writing = false;
    await loadConversation();
  }
}

/** @type {import('./conversation-view.js').ViewActions} */
const viewActions = {
  switchBranch: (nodeId, targetJ) =>
    void runWrite('switch the branch', () =>
      callStep('modules/chat_branches/switch_branch', { file: state.file, node_id: nodeId, target_j: targetJ, return_mode: 'none' }),
    ),
  startEdit(nodeId) {
    state.editing = { nodeId, text: state.doc?.nodes?.[nodeId]?.content ?? '' };
    render();
    elements.messageList.querySelector('.edit-form textarea')?.focus();
  },
  changeEdit(text) {
    if (state.editing) state.editing.text = text;
  },
  async saveEdit() {
    const editing = state.editing;
    if (!editing) return;
    const saved = await runWrite('save the edit', () =>
      callStep('modules/chat_branches/update_message', {
        file: state.file,
        node_id: editing.nodeId,
        content: editing.text,
        return_mode: 'none',
      }),
    );
    if (saved) {
      state.editing = null;
      render();
    }
  },
  cancelEdit() {
    state.editing = null;
    render();
  },
  deleteMessage(nodeId) {
    if (!confirm('Delete this message and every message after it, in every branch under it?')) return;
    void runWrite('delete the message', () =>
      callStep('modules/chat_branches/delete_branch', { file: state.file, node_id: nodeId, return_mode: 'none' }),
    );
  },
  regenerate(nodeId) {
    if (state.draft || state.writing || state.file === null) return;
    const parentId = state.doc?.nodes?.[nodeId]?.pid ?? '';
    // Safe to repeat when explaining a failure: a regenerate that fails before it starts leaves no node behind.
    startGeneration(
      'workflow/chat_completion/regenerate',
      { conversation_file: state.file, node_id: nodeId, llm_config_file: elements.composerConfig.value },
      parentId,
      true,
    );
  },
  reply(nodeId) {
    if (state.draft || state.writing || state.file === null) return;
    streamReply(state.file, nodeId);
  },
  async approveTool({ generationId, toolCallId, approve }) {
    try {
      await callStep('workflow/chat_completion/approve', { generation_id: generationId, tool_call_id: toolCallId, approve });
      elements.streamStatus.textContent = approve ? 'Approved; the tool runs.' : 'Denied; the model hears that the call was refused.';
    } catch (error) {
      showError(error, approve ? 'approve the tool call' : 'deny the tool call');
      render();
    }
  },
};

// ---- sending and streaming --------------------------------------------------------------------------------------

/**
 * Streams a reply through EventSource and shows it token by token.
 * @param {string} path complete_stream or regenerate
 * @param {Record<string, string>} query
 * @param {string} parentId the node the reply answers (until `start` says)
 * @param {boolean} canRepeat see followGeneration
 */
function startGeneration(path, query, parentId, canRepeat) {
  clearError();
  const draft = { nodeId: '', parentId, text: '', generationId: /** @type {string | null} */ (null) };
  state.draft = draft;
  elements.streamStatus.textContent = 'Waiting for the reply…';
  render();
  state.stream = followGeneration(streamUrl(path, query), {
    canRepeat,
    onConnection: (text) => {
      if (text !== '') elements.streamStatus.textContent = text;
    },
    onEvent(event) {
      if (event.type === 'start') {
        Object.assign(draft, { nodeId: event.node_id, parentId: event.parent_id, generationId: event.generation_id });
        elements.streamStatus.textContent = 'Streaming the reply…';
        render();
        scheduleReload(); // a regenerate made a new empty branch: show it, with the stream in it
      } else if (event.type === 'reasoning') {
        draft.reasoning = (draft.reasoning ?? '') + event.content;
        render();
      } else if (event.type === 'chunk') {
        draft.text += event.content;
        if (state.draftContent) {
          const follow = isNearBottom();
          updateStreamingContent(state.draftContent, draft.text);
          if (follow) requestAnimationFrame(() => scrollToNewest());
        } else render();
      } else if (toolEventTypes.includes(event.type)) {
        const applied = applyToolEvent(draft.tools ?? [], event, draft.text);
        draft.tools = applied.steps;
        draft.text = applied.text;
        render();
      } else if (event.type === 'saved') {
        elements.streamStatus.textContent = event.partial ? 'Saved the partial reply.' : 'Saved.';
      } else if (event.type === 'error') {
        showError(new ApiError(event.code, event.message, 200), 'finish the reply');
      }
    },
    async onDone(outcome) {
      state.stream = null;
      draft.generationId = null; // nothing left to stop
      if (outcome.error) {
        elements.streamStatus.textContent = '';
        showError(outcome.error, path.endsWith('regenerate') ? 'regenerate the reply' : 'stream the reply');
      } else if (outcome.closedEarly) {
        elements.streamStatus.textContent = 'The stream closed before its end; showing what the file holds now.';
      } else if (elements.streamStatus.textContent.startsWith('Streaming') || elements.streamStatus.textContent.startsWith('Waiting')) {
        elements.streamStatus.textContent = draft.text === '' ? 'The reply was empty; nothing was saved.' : '';
      }
      // The reply stays on screen as streamed until the re-read shows it as saved: no flicker in between.
      await loadConversation();
      state.draft = null;
      render();
    },
  });
}

async function send() {
  const content = elements.composerInput.value;
  const attached = images.forSending();
  if ((content.trim() === '' && attached.length === 0) || state.file === null || state.draft || state.writing) return;
  const file = state.file;
  const leaf = state.levels[state.levels.length - 1]?.node_id ?? null;
  let appended;
  state.writing = true;
  render();
  clearError();
  try {
    appended = await callStep('modules/chat_branches/append_message', {
      conversation_file: file,
      pid: leaf,
      role: 'user',
      content,
      ...(attached.length === 0 ? {} : { images: attached }),
      return_mode: 'node',
    });
  } catch (error) {
    showError(error, 'send the message');
    return;
  } finally {
    state.writing = false;
    render();
  }
  elements.composerInput.value = '';
  images.clear();
  state.scrollOnLoad = true;
  await loadConversation();
  streamReply(file, appended.node.node_id);
}

/** A reply under `parentId` through complete_stream. @param {string} file @param {string} parentId */
function streamReply(file, parentId) {
  // request_id makes the start idempotent, so reading why a refused stream failed cannot start a second reply.
  const requestId = `playground-${crypto.randomUUID()}`;
  startGeneration(
    'workflow/chat_completion/complete_stream',
    { conversation_file: file, parent_node_id: parentId, request_id: requestId, llm_config_file: elements.composerConfig.value },
    parentId,
    true,
  );
}

elements.composer.addEventListener('submit', (/** @type {Event} */ event) => {
  event.preventDefault();
  void send();
});

elements.composerInput.addEventListener('keydown', (/** @type {KeyboardEvent} */ event) => {
  // Enter sends; Shift+Enter is a new line; Enter that confirms an input method's composition is neither.
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    void send();
  }
});

elements.stopButton.addEventListener('click', async () => {
  const generationId = state.draft?.generationId;
  if (!generationId) return;
  elements.stopButton.disabled = true;
  elements.streamStatus.textContent = 'Stopping…';
  try {
    // Answers once the partial reply is saved; the stream then brings finish, saved (partial) and end.
    await callStep('workflow/chat_completion/abort', { generation_id: generationId });
  } catch (error) {
    showError(error, 'stop the reply');
    elements.stopButton.disabled = false;
  }
});

elements.createForm.addEventListener('submit', async (/** @type {Event} */ event) => {
  event.preventDefault();
  const name = elements.createName.value.trim();
  if (name === '') return;
  const input = { name, ...(elements.createConfig.value ? { llm_config: elements.createConfig.value } : {}) };
  const systemPrompt = elements.createSystem.value.trim();
  if (systemPrompt !== '') Object.assign(input, { system_prompt: systemPrompt });
  try {
    const created = await callStep('modules/chat_branches/create_conversation', input);
    elements.createName.value = '';
    elements.createSystem.value = '';
    await loadConversations();
    openConversation(created.file);
  } catch (error) {
    showError(error, `create the conversation "${name}"`);
  }
});

// ---- whole conversations: rename, export, delete -----------------------------------------------------------------

/** @type {import('./conversation-actions.js').ConversationHandlers} */
const conversationHandlers = {
  async rename(file, name) {
    const wanted = prompt(`A new name for "${name}":`, name)?.trim();
    if (!wanted || wanted === name) return;
    clearError();
    try {
      const renamed = await callStep('modules/chat_branches/rename_conversation', { conversation_file: file, new_name: wanted });
      state.kept.delete(file);
      await loadConversations();
      if (state.file === file) openConversation(renamed.conversation_file);
      elements.streamStatus.textContent = `Renamed to "${renamed.name}" (${renamed.conversation_file}).`;
    } catch (error) {
      showError(error, `rename "${name}"`);
    }
  },
  async remove(file, name) {
    if (!confirm(`Delete the conversation "${name}" for good, with its images? Export it first to keep a copy.`)) return;
    clearError();
    try {
      await callStep('modules/chat_branches/delete_conversation', { conversation_file: file });
      state.kept.delete(file);
      await loadConversations();
      if (state.file === file) {
        state.file = null;
        state.doc = null;
        history.replaceState(null, '', location.pathname);
        const next = state.conversations[0];
        if (next) openConversation(next.file);
        else render();
      }
    } catch (error) {
      showError(error, `delete "${name}"`);
    }
  },
  async exportAs(file, format) {
    clearError();
    try {
      const saved = await downloadExport(file, format);
      elements.streamStatus.textContent = `Exported as ${saved}.`;
    } catch (error) {
      showError(error, `export ${file}`);
    }
  },
};

// ---- what the engine kept from outside edits ---------------------------------------------------------------------

elements.removedRestore.addEventListener('click', async () => {
  const file = state.file;
  const kept = file === null ? [] : (state.kept.get(file) ?? []);
  if (file === null || kept.length === 0) return;
  /** @type {string[]} */
  const messages = [];
  const restored = await runWrite('restore what the outside edit removed', async () => {
    for (const item of [...kept]) {
      const reply = await callStep('modules/chat_branches/restore', { file, recovery_file: item.recovery_file });
      messages.push(reply.message);
      kept.splice(kept.indexOf(item), 1);
    }
  });
  if (restored) {
    state.kept.delete(file);
    elements.streamStatus.textContent = `Restored: ${messages.join('; ')}.`;
  }
  render();
});

elements.removedDismiss.addEventListener('click', () => {
  // Only the notice goes: the recovery files stay beside the conversation, restorable later.
  if (state.file !== null) state.kept.delete(state.file);
  render();
});

// ---- live updates -----------------------------------------------------------------------------------------------

/** @param {{ type: string, file: string, error?: { code: string, message: string }, recovery_file?: string, node_ids?: string[], fields?: string[] }} event */
function onFileEvent(event) {
  if (event.recovery_file !== undefined && (event.type === 'nodes_removed_externally' || event.type === 'edit_written_aside')) {
    const kept = state.kept.get(event.file) ?? [];
    kept.push({ type: event.type, recovery_file: event.recovery_file, node_ids: event.node_ids ?? [], fields: event.fields ?? [] });
    state.kept.set(event.file, kept);
    if (event.file === state.file) render();
    return;
  }
  if (event.file.startsWith('data/llm_configs/')) {
    void loadConfigs().catch((error) => showError(error, 'list the LLM configs'));
    return;
  }
  scheduleListReload();
  if (event.file !== state.file) return;
  if (event.type === 'invalid') {
    // Shown at once and instead of the old content: what is on screen must not look valid when the file is not.
    state.problem = `${event.error?.code ?? 'INVALID_FILE'}: ${event.error?.message ?? 'the file does not parse or validate'}`;
    state.loadSequence += 1;
    render();
  } else {
    scheduleReload();
  }
}

let watchState = '';
function startWatch() {
  state.watch = watchFiles(() => streamUrl('modules/chat_branches/watch'), {
    onEvent: onFileEvent,
    onConnection(connection) {
      const wasDown = watchState === 'retrying' || watchState === 'refused';
      watchState = connection;
      elements.liveStatus.textContent =
        connection === 'live'
          ? 'Live: following file changes'
          : connection === 'retrying'
            ? 'Live updates lost; reconnecting…'
            : 'Live updates refused; retrying in 5 s';
      elements.liveStatus.dataset.state = connection;
      // Changes made while the watch was down were not seen: read everything again.
      if (connection === 'live' && wasDown) {
        scheduleListReload();
        scheduleReload();
      }
    },
  });
}

// ---- start ------------------------------------------------------------------------------------------------------

async function start() {
  try {
    await Promise.all([loadConversations(), loadConfigs()]);
  } catch (error) {
    showError(error, 'reach the API');
    return;
  }
  startWatch();
  const fromHash = decodeURIComponent(location.hash.slice(1));
  const initial = state.conversations.find((conversation) => conversation.file === fromHash) ?? state.conversations[0];
  if (initial) openConversation(initial.file);
  else {
    render();
    elements.createName.focus();
  }
  document.body.dataset.ready = 'true';
}

void start();
