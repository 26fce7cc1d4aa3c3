import { execFileSync } from 'node:child_process';

// The load generator and the server each on CPUs of their own (taskset), so the load generator's work is not counted
// against the server; bare Hono and Prism get the same CPUs as kgkit. PostgreSQL, a system service, stays where the
// scheduler puts it.

export interface Pinning {
  /** taskset CPU lists; undefined when the processes are not pinned. */
  serverCpus?: string;
  loadCpus?: string;
  /** What was done, for the header. */
  note: string;
}

/** CPU numbers of an affinity list such as "0-3,6". */
export function parseCpuList(list: string): number[] {
  const cpus: number[] = [];
  for (const part of list.trim().split(',')) {
    const [from, to] = part.split('-').map(Number) as [number, number | undefined];
    for (let cpu = from; cpu <= (to ?? from); cpu++) cpus.push(cpu);
  }
  return cpus;
}

/** The last CPU for the load, the others for the servers, when there are two or more and taskset is there. */
export function planPinning(wanted: boolean, tasksetFound: boolean, cpus: readonly number[]): Pinning {
  if (!wanted) return { note: 'no pinning (BENCH_PIN=0): servers and load generator share every CPU' };
  if (!tasksetFound) return { note: 'no pinning (taskset not found): servers and load generator share every CPU' };
  if (cpus.length < 2) return { note: `no pinning (${cpus.length} CPU): servers and load generator share it` };
  const serverCpus = cpus.slice(0, -1).join(',');
  const loadCpus = String(cpus.at(-1));
  return {
    serverCpus,
    loadCpus,
    note: `pinned with taskset: servers (kgkit, bare Hono, Prism) on CPU ${serverCpus}, wrk and the bench process (autocannon) on CPU ${loadCpus}; PostgreSQL unpinned`,
  };
}

/** This machine's plan: the CPUs this process may use, split as planPinning says. */
export function machinePinning(wanted: boolean): Pinning {
  let affinity: string | undefined;
  try {
    affinity = /list:\s*(\S+)/.exec(execFileSync('taskset', ['-pc', String(process.pid)], { encoding: 'utf8' }))?.[1];
  } catch {
    affinity = undefined;
  }
  return planPinning(wanted, affinity !== undefined, affinity ? parseCpuList(affinity) : []);
}

/** `command args` under taskset when `cpus` is given. */
export function pinned(cpus: string | undefined, command: string, args: string[]): [string, string[]] {
  return cpus === undefined ? [command, args] : ['taskset', ['-c', cpus, command, ...args]];
}

/** Moves every thread of this process to `cpus` (the processes it starts afterwards inherit it). */
export function pinSelf(cpus: string): void {
  execFileSync('taskset', ['-a', '-pc', cpus, String(process.pid)], { stdio: 'ignore' });
}
