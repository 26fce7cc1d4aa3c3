import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACING_LUA, pacingProblems } from '../../bench/wrk-pacing.js';

// The pacing of make bench's half-load runs on a made-up clock: no server, no timing. The Lua runs in wrk's own
// interpreter, which loads a script before it connects anywhere: the script below prints and exits there.

const wrk = (() => {
  try {
    return execFileSync('sh', ['-c', 'command -v wrk'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
})();

/** The delays `pacing(rate)` answers when asked at each of `times` (ms), and its late/lagMs counters after. */
function delaysAt(rate: number, times: number[]): { delays: number[]; late: number; lagMs: number } {
  const dir = mkdtempSync(join(tmpdir(), 'kgkit-pacing-'));
  try {
    const script = join(dir, 'pacing.lua');
    writeFileSync(
      script,
      `${PACING_LUA}
local times, i, out = { ${times.join(', ')} }, 0, {}
local delay = pacing(${rate}, function() return times[i] end)
for k = 1, #times do i = k; out[k] = delay() end
io.write(table.concat(out, ","), " ", late, " ", lagMs, "\\n")
os.exit(0)
`,
    );
    const [delays, late, lagMs] = execFileSync(wrk!, ['-s', script, 'http://127.0.0.1:9/'], { encoding: 'utf8' }).trim().split(' ');
    return { delays: delays!.split(',').map(Number), late: Number(late), lagMs: Number(lagMs) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!wrk)(wrk ? 'one schedule for every connection (wrk delay())' : 'wrk pacing — skipped: wrk not installed', () => {
  it('spaces the first calls of free connections a slot apart, from the first call on', () => {
    // 500 rps: a slot every 2 ms; three connections free at 100 ms take the slots at 100, 102 and 104 ms.
    expect(delaysAt(500, [100, 100, 100])).toEqual({ delays: [0, 2, 4], late: 0, lagMs: 0 });
  });

  it('makes an early connection wait for the next free slot, rounded up to a whole millisecond', () => {
    // Slots at 0, 2, 4, 6: the fourth asked at 3.5 ms waits 2.5 ms, which wrk would cut to 2 ms: 3.
    expect(delaysAt(500, [0, 0, 0, 3.5]).delays).toEqual([0, 2, 4, 3]);
  });

  it('sends a call whose slot has passed at once, and counts it late past a millisecond', () => {
    // Slots at 0, 10, 20, 30: asked at 11 (1 ms behind: on time), 25 (5 ms behind), 31 (1 ms behind).
    expect(delaysAt(100, [0, 11, 25, 31])).toEqual({ delays: [0, 0, 0, 0], late: 1, lagMs: 5 });
  });

  it('holds the rate over a run whatever the latency: the n-th call leaves at the n-th slot', () => {
    // 1,000 rps, one connection answering in 0.4 ms: asked 0.4 ms after each slot, it waits for the next one.
    const times = Array.from({ length: 50 }, (_, n) => n + 0.4);
    const { delays } = delaysAt(1_000, [0, ...times.slice(0, -1)]);
    expect(delays.slice(1)).toEqual(Array(49).fill(1));
  });
});

describe('a paced run read as one at its rate', () => {
  it.each([
    [1_000, 990, 5_000, 50, 20, []],
    [1_000, 940, 5_000, 0, 0, ['held 940 rps of the 1000 paced']],
    [
      1_000,
      1_000,
      5_000,
      51,
      37.5,
      [
        '51 of 5000 calls (1.0 %) left more than 1 ms after their slot, up to 37.5 ms, every connection waiting for an answer: the p99 leaves that wait out (coordinated omission)',
      ],
    ],
  ])('target %i rps, held %i, %i sent, %i late (worst %f ms): %j', (target, rps, sent, late, lag, problems) => {
    expect(pacingProblems(target, rps, sent, late, lag)).toEqual(problems);
  });
});
