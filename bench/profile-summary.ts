import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './servers.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * The functions that took the most time themselves (self time) on the busiest thread profiled in `dir` (the main
 * thread; tsx's loader thread sits idle), as printable lines, idle time left out of the shares.
 */
export function topSelfTime(dir: string, count = 15): string[] {
  const threads = readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((file) => selfTimes(JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile));
  const busiest = threads.sort((a, b) => busy(b) - busy(a))[0];
  if (!busiest) return ['no profile was written'];
  const totalUs = busy(busiest);
  return [...busiest.entries()]
    .filter(([key]) => key !== IDLE)
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([key, us]) => `${((100 * us) / totalUs).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}`);
}

const IDLE = '(idle)';

function selfTimes(profile: CpuProfile): Map<string, number> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<string, number>();
  profile.samples.forEach((id, index) => {
    const frame = byId.get(id)!.callFrame;
    const where = frame.url === '' ? '' : ` ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
    const key = `${frame.functionName || '(anonymous)'}${where}`;
    selfUs.set(key, (selfUs.get(key) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  return selfUs;
}

function busy(selfUs: Map<string, number>): number {
  let total = 0;
  for (const [key, us] of selfUs) if (key !== IDLE) total += us;
  return total;
}

function shortUrl(url: string): string {
  const path = url.startsWith('file://') ? new URL(url).pathname : url;
  return path.startsWith(ROOT) ? relative(ROOT, path) : path;
}
