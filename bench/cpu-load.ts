/**
 * @module What every CPU did during a window, from /proc/stat (Linux; elsewhere nothing): busy and stolen (by the
 * hypervisor) shares. With our processes pinned, busy time beyond our own CPU time on a CPU is other processes'
 * work: on a shared machine that is the noise, and the results say how much there was.
 */
import { readFileSync } from 'node:fs';

export interface CpuShare {
  cpu: number;
  /** Share of the window the CPU was busy (all processes). */
  busy: number;
  /** Share of the window the hypervisor ran something else instead (steal). */
  steal: number;
}

type Counters = Map<number, { busy: number; steal: number; total: number }>;

export function readCpuCounters(): Counters | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/stat', 'utf8');
  } catch {
    return undefined;
  }
  const counters: Counters = new Map();
  for (const line of text.split('\n')) {
    const match = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = match[2]!.split(/\s+/).map(Number);
    const total = user + nice + system + idle + iowait + irq + softirq + steal;
    counters.set(Number(match[1]), { busy: user + nice + system + irq + softirq, steal, total });
  }
  return counters;
}

export function cpuShares(before: Counters | undefined, after: Counters | undefined): CpuShare[] {
  if (!before || !after) return [];
  return [...after].flatMap(([cpu, end]) => {
    const start = before.get(cpu);
    const total = start ? end.total - start.total : 0;
    if (!start || total <= 0) return [];
    const share = (value: number): number => Math.round((value / total) * 100) / 100;
    return [{ cpu, busy: share(end.busy - start.busy), steal: share(end.steal - start.steal) }];
  });
}

/** CPU time (user + system, ms) a process has used so far, from /proc/<pid>/stat; undefined off Linux. */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime are fields 14 and 15 of the line, in clock ticks (USER_HZ, 100 on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}
