/** @module What a tool call gives back, whatever ran it (a step or an MCP server): content parts, their text, an error flag. */

export interface ToolResult {
  /** MCP content parts as the server sent them (`{type:"text", text}`, images, resources...); a step's JSON output as one text part. */
  content: unknown[];
  /** The text a model is given: the text parts joined, other parts named. */
  text: string;
  /** The tool ran and reports a failure (bad arguments, its own error): the model sees it and may correct itself. */
  is_error: boolean;
}

export function contentText(content: readonly unknown[]): string {
  return content
    .map((part) => {
      const { type, text, mimeType } = (part ?? {}) as { type?: unknown; text?: unknown; mimeType?: unknown };
      if (type === 'text' && typeof text === 'string') return text;
      return `[${typeof type === 'string' ? type : 'part'}${typeof mimeType === 'string' ? ` ${mimeType}` : ''}]`;
    })
    .join('\n');
}

export function errorResult(message: string): ToolResult {
  return { content: [{ type: 'text', text: message }], text: message, is_error: true };
}

export function jsonResult(value: unknown): ToolResult {
  const text = JSON.stringify(value);
  return { content: [{ type: 'text', text }], text, is_error: false };
}
