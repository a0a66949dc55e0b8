/**
 * @module The `modules/llm_api/*` steps, in registration order.
 *
 * The folder owns one completion answered whole (`chat`) or as events (`chat_stream`), and the list of configs,
 * all through `services.llm`; it never sees a provider SDK. It may import src/lib/, src/llm/ (types, cost),
 * src/registry/ and src/services.ts, like every step folder (src/store/index.ts and src/generation/ too).
 */
import type { Step } from '../../registry/define-step.js';
import { chat } from './chat.js';
import { chatStream } from './chat-stream.js';
import { listConfigs } from './list-configs.js';

export const llmApiSteps: Step[] = [chat, chatStream, listConfigs];
