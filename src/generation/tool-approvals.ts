/**
 * @module Tool calls waiting for a person (`tool_approval: "ask"`): the generation pauses on each until
 * `workflow/chat_completion/approve` answers it, the wait times out (a denial), or the generation is stopped.
 * The wait lives in the job, not in a client, so a client that reconnects finds the call still waiting.
 */

export interface ApprovalDecision {
  approve: boolean;
  reason?: string;
}

export type ApprovalOutcome = ApprovalDecision | 'timeout' | 'aborted';

export class ToolApprovals {
  readonly #pending = new Map<string, (outcome: ApprovalOutcome) => void>();

  wait(toolCallId: string, timeoutMs: number, signal: AbortSignal): Promise<ApprovalOutcome> {
    return new Promise((resolve) => {
      const settle = (outcome: ApprovalOutcome): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.#pending.delete(toolCallId);
        resolve(outcome);
      };
      const onAbort = (): void => settle('aborted');
      const timer = setTimeout(() => settle('timeout'), timeoutMs);
      if (signal.aborted) return settle('aborted');
      signal.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(toolCallId, settle);
    });
  }

  /** False when no call of that id is waiting (answered already, timed out, or never asked). */
  decide(toolCallId: string, decision: ApprovalDecision): boolean {
    const settle = this.#pending.get(toolCallId);
    settle?.(decision);
    return settle !== undefined;
  }

  get waiting(): string[] {
    return [...this.#pending.keys()];
  }
}
