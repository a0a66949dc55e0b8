/** @module The `modules/llm_api/*` steps, in registration order. */
import type { Step } from '../../registry/define-step.js';
import { chat } from './chat.js';
import { chatStream } from './chat-stream.js';
import { listConfigs } from './list-configs.js';

export const llmApiSteps: Step[] = [chat, chatStream, listConfigs];
