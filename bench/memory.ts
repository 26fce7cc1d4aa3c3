import { readFileSync, readdirSync } from 'node:fs';

// A server's memory is that of all its processes: kgkit under tsx keeps an esbuild service as a child, Prism may
// start workers. VmRSS of the pid and of every descendant, read from /proc.

/** The given pids and all their descendants, from a pid → parent map. */
export function withDescendants(roots: readonly number[], parentOf: ReadonlyMap<number, number>): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, parent] of parentOf) children.set(parent, [...(children.get(parent) ?? []), pid]);
  const found: number[] = [];
  const queue = [...roots];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (found.includes(pid)) continue;
    found.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

function parents(): Map<number, number> {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid …: comm may hold spaces and parentheses, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(name), ppid);
    } catch {
      // gone meanwhile
    }
  }
  return parentOf;
}

function rssKiB(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Resident memory of the servers rooted at `pids`, all their processes summed, MiB. */
export function treeRssMiB(pids: readonly number[]): number {
  return withDescendants(pids, parents()).reduce((sum, pid) => sum + rssKiB(pid), 0) / 1024;
}

/** Samples treeRssMiB every 100 ms (the process tree re-read every second); `stop` answers the largest, MiB. */
export function sampleRss(pids: readonly number[]): { stop(): number } {
  let max = 0;
  let tree = withDescendants(pids, parents());
  let ticks = 0;
  const sample = () => {
    if (++ticks % 10 === 0) tree = withDescendants(pids, parents());
    max = Math.max(max, tree.reduce((sum, pid) => sum + rssKiB(pid), 0) / 1024);
  };
  sample();
  const timer = setInterval(sample, 100);
  return {
    stop() {
      clearInterval(timer);
      tree = withDescendants(pids, parents());
      sample();
      return max;
    },
  };
}
