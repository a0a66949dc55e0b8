/**
 * @module The benchmark's control channel between the orchestrator and its child processes (Node's IPC
 * channel, set up by `spawn` with an `ipc` stdio entry): a child answers `reset`, `read`, `collect` and `release`
 * with its ProcessStats and announces itself with `ready`. Nothing of it travels over the HTTP being measured.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ProcessMonitor, type ProcessStats } from './process-monitor.js';

let gc: (() => void) | undefined;

/** A full collection on request only; the flag is set at runtime so the process under test starts unchanged. */
function collectGarbage(): void {
  if (gc === undefined) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}

/** `collect`: a full garbage collection first, then the stats: what is live, without the garbage not yet collected. */
export type ControlRequest = { id: number; type: ControlType };
/** `release`: the fake provider finishes every stream it is holding (see `holdTailMs`). */
export type ControlType = 'reset' | 'read' | 'collect' | 'release';
export type ControlReply = { id: number; type: 'stats'; stats: ProcessStats };
export type ReadyMessage = { type: 'ready'; port?: number };

/** In a child: answer the orchestrator's requests. The channel must not keep the process alive by itself. */
export function serveControl(monitor: ProcessMonitor = new ProcessMonitor(), onRelease: () => void = () => undefined): ProcessMonitor {
  if (process.send === undefined) return monitor;
  process.on('message', (message: ControlRequest) => {
    if (message.type === 'reset') monitor.reset();
    if (message.type === 'collect') collectGarbage();
    if (message.type === 'release') onRelease();
    const reply: ControlReply = { id: message.id, type: 'stats', stats: monitor.read() };
    process.send?.(reply);
  });
  process.channel?.unref();
  return monitor;
}

export function announceReady(message: ReadyMessage): void {
  process.send?.(message);
}
