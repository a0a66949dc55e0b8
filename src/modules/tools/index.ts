/**
 * @module The `modules/tools/*` steps: listing the tools a model may use (steps marked `tool: true`, MCP servers'
 * tools), the MCP servers' state, running one tool, and one offline tool of our own. They reach MCP servers through
 * `services.tools` and step tools through the registry.
 */
import type { Step } from '../../registry/define-step.js';
import { callTool } from './call-tool.js';
import { currentTime } from './current-time.js';
import { listServers } from './list-servers.js';
import { listTools } from './list-tools.js';

export const toolsSteps: Step[] = [listTools, listServers, callTool, currentTime];
