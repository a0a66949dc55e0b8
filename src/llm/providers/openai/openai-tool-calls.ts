/**
 * @module Streamed `delta.tool_calls` fragments assembled into whole calls: per `index`, the id and the name
 * from the first fragment that has them, the argument text concatenated in arrival order. Several calls may
 * stream side by side (parallel calls); they are handed out once, in index order.
 */
import type { ProviderToolCall } from '../../provider.js';
import { generateToolCallId } from '../../transport/tool-call-id.js';

/** One `delta.tool_calls` entry as servers send it (some omit `index`, or repeat `id` on every fragment). */
export interface ToolCallFragment {
  index?: number;
  id?: string | null;
  type?: string | null;
  function?: { name?: string | null; arguments?: string | null } | null;
}

interface Slot {
  id: string | undefined;
  name: string;
  arguments: string;
}

export class ToolCallAssembler {
  readonly #slots = new Map<number, Slot>();
  #lastIndex = -1;

  add(fragments: readonly ToolCallFragment[] | null | undefined): void {
    for (const fragment of fragments ?? []) {
      const index = this.#indexOf(fragment);
      this.#lastIndex = index;
      let slot = this.#slots.get(index);
      if (slot === undefined) {
        slot = { id: undefined, name: '', arguments: '' };
        this.#slots.set(index, slot);
      }
      if (slot.id === undefined && typeof fragment.id === 'string' && fragment.id !== '') slot.id = fragment.id;
      const name = fragment.function?.name;
      if (slot.name === '' && typeof name === 'string') slot.name = name;
      const text = fragment.function?.arguments;
      if (typeof text === 'string') slot.arguments += text;
    }
  }

  get pending(): boolean {
    return this.#slots.size > 0;
  }

  /** The assembled calls in index order (each once: the assembler is empty afterwards). */
  take(): ProviderToolCall[] {
    const calls = [...this.#slots.entries()]
      .sort(([left], [right]) => left - right)
      .map(([, slot]) => ({ id: slot.id ?? generateToolCallId(), name: slot.name, arguments: slot.arguments }));
    this.#slots.clear();
    this.#lastIndex = -1;
    return calls;
  }

  /** Without an `index`: the call with that id, a new call when the id is new, else the call being streamed. */
  #indexOf(fragment: ToolCallFragment): number {
    if (typeof fragment.index === 'number') return fragment.index;
    if (typeof fragment.id === 'string' && fragment.id !== '') {
      for (const [index, slot] of this.#slots) if (slot.id === fragment.id) return index;
      return Math.max(-1, ...this.#slots.keys()) + 1;
    }
    return Math.max(0, this.#lastIndex);
  }
}
