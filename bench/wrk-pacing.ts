// wrk 4 holds a rate through its Lua `delay()` (Debian has no wrk2): wrk asks it whenever a connection is free (just
// connected, or its answer read) and waits that many milliseconds before the connection's next call. The latency wrk
// records starts when the call is written, after the wait.
//
// Here every connection of the thread takes its send time from one schedule, a slot every 1/rate s from the first call:
// no bursts, no jitter, and while a connection is free the rate does not depend on the server's latency. Closed loop
// all the same: a connection waits for its answer before it takes the next slot. When every connection is waiting, the
// slots that pass go unsent; their calls leave as soon as a connection frees (catching up, as wrk2 does), and the time
// they waited is not in their latency (coordinated omission). Those calls are counted instead: `late`, more than
// LATE_MS after their slot (the event loop's timers have millisecond steps), and `lagMs`, the worst delay.

export const LATE_MS = 1;

/** `pacing(rate, clockMs)` answers a `delay` for wrk; `late` and `lagMs` are globals, for `thread:get`. */
export const PACING_LUA = `
late, lagMs = 0, 0
function pacing(rate, clockMs)
  local interval, first, slots = 1000 / rate, nil, 0
  return function()
    local now = clockMs()
    first = first or now
    local wait = first + slots * interval - now
    slots = slots + 1
    if wait < -${LATE_MS} then late, lagMs = late + 1, math.max(lagMs, -wait) end
    -- wrk cuts the answer to whole milliseconds: rounding up keeps the calls from running ahead of their slots.
    return wait > 0 and math.ceil(wait) or 0
  end
end
`;

/** Milliseconds of CLOCK_MONOTONIC through LuaJIT's ffi: the Lua in wrk has no finer clock than os.time's seconds. */
export const CLOCK_LUA = `
local ffi = require("ffi")
ffi.cdef[[
  typedef struct { long tv_sec; long tv_nsec; } kgkit_timespec;
  int clock_gettime(int clock, kgkit_timespec *now);
]]
local CLOCK_MONOTONIC, timespec = 1, ffi.new("kgkit_timespec")
function clockMs()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, timespec)
  return tonumber(timespec.tv_sec) * 1000 + tonumber(timespec.tv_nsec) / 1e6
end
`;

/** Past this share of late calls the p99 may leave out their wait: the run was not one at its rate. */
export const LATE_SHARE_LIMIT = 0.01;
/** Below this share of its rate a paced run did not hold it. */
const HELD_SHARE = 0.95;

/** Why a paced run cannot be read as a run at `targetRps` (rps: answers that passed, per second of the run). */
export function pacingProblems(targetRps: number, rps: number, sent: number, late: number, lagMs: number): string[] {
  const problems: string[] = [];
  if (rps < HELD_SHARE * targetRps) problems.push(`held ${Math.round(rps)} rps of the ${Math.round(targetRps)} paced`);
  if (sent > 0 && late / sent > LATE_SHARE_LIMIT)
    problems.push(
      `${late} of ${sent} calls (${((100 * late) / sent).toFixed(1)} %) left more than ${LATE_MS} ms after their slot, up to ${lagMs.toFixed(1)} ms, ` +
        'every connection waiting for an answer: the p99 leaves that wait out (coordinated omission)',
    );
  return problems;
}
