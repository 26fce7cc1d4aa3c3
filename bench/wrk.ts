import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadOptions, LoadResult } from './load.js';
import { pinned } from './pinning.js';
import { CLOCK_LUA, PACING_LUA, pacingProblems } from './wrk-pacing.js';

// wrk (C, epoll) as the load generator: it takes far less CPU than autocannon, which runs in Node on the same two
// cores as the server and under-reports. Every call is signed before the run (each has its own nonce) and written
// to a file the Lua script replays in order; a success is an answer carrying "resultCode":"000000". With a rate, the
// script paces the calls (wrk-pacing.ts).

/** The wrk binary, installed from Debian's packages when missing and allowed (root, apt-get); undefined otherwise. */
export function wrkBinary(): string | undefined {
  const found = which('wrk');
  if (found || process.getuid?.() !== 0 || !which('apt-get')) return found;
  try {
    process.stderr.write('bench: installing wrk (apt-get install -y wrk)…\n');
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
    execFileSync('apt-get', ['install', '-y', '-qq', 'wrk'], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  return which('wrk');
}

function which(name: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

const SCRIPT = `
-- request and response run in the thread's Lua state, done in the main one: the counts travel through thread:get.
calls, sent, ok, other, first = {}, 0, 0, 0, ""
${PACING_LUA}
local rate = tonumber(os.getenv("KGKIT_BENCH_RATE") or "")
if rate then
${CLOCK_LUA}
delay = pacing(rate, clockMs)
end
local file = io.open(os.getenv("KGKIT_BENCH_CALLS"))
for line in file:lines() do
  local tab = line:find("\\t", 1, true)
  calls[#calls + 1] = { path = line:sub(1, tab - 1), body = line:sub(tab + 1) }
end
file:close()
local headers = { ["content-type"] = "application/json;charset=UTF-8" }
for name, value in (os.getenv("KGKIT_BENCH_HEADERS") or ""):gmatch("([^:;]+):([^;]*)") do headers[name] = value end
local threads = {}
setup = function(thread) threads[#threads + 1] = thread end
request = function()
  sent = sent + 1
  local call = calls[sent] or calls[#calls]
  return wrk.format("POST", call.path, headers, call.body)
end
response = function(status, _, body)
  if status == 200 and body:find('"resultCode":"000000"', 1, true) then ok = ok + 1
  else
    other = other + 1
    if first == "" then first = status .. " " .. body:sub(1, 200) end
  end
end
done = function(summary, latency, _)
  local t = threads[1]
  local n, short = t:get("sent"), t:get("sent") - #calls
  io.write(string.format('KGKIT {"ok":%d,"other":%d,"sent":%d,"short":%d,"us":%d,"p50":%d,"p99":%d,"errors":%d,"late":%d,"lagMs":%.3f,"first":%q}\\n',
    t:get("ok"), t:get("other"), n, short > 0 and short or 0, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout + summary.errors.status,
    t:get("late"), t:get("lagMs"), t:get("first")))
end
`;

/**
 * One wrk run (one thread, `connections` connections, `seconds` long), prepared now (the calls written to a file) and
 * started by the function answered, so that several can start together; paced to `overallRate` when given. The counts
 * come from the script's own response callback: with one thread its counters are the run's. `cpus`: the CPUs to run
 * wrk on (taskset), when pinned.
 */
export function prepareWrk(binary: string, options: LoadOptions, cpus?: string): () => Promise<LoadResult> {
  const { url, path, headers = {}, pool, connections, seconds = 5, overallRate } = options;
  const dir = mkdtempSync(join(tmpdir(), 'kgkit-wrk-'));
  const size = pool.size;
  const lines: string[] = [];
  for (let i = 0; i < size; i++) {
    const call = pool.take();
    lines.push(`${path}?${call.query}\t${call.body}`);
  }
  writeFileSync(join(dir, 'calls.tsv'), `${lines.join('\n')}\n`);
  writeFileSync(join(dir, 'calls.lua'), SCRIPT);
  return async () => {
    try {
      const output = await new Promise<string>((resolve, reject) => {
        const [command, args] = pinned(cpus, binary, ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', join(dir, 'calls.lua'), url]);
        const child = spawn(command, args, {
          env: {
            ...process.env,
            KGKIT_BENCH_CALLS: join(dir, 'calls.tsv'),
            KGKIT_BENCH_HEADERS: Object.entries(headers)
              .map(([k, v]) => `${k}:${v}`)
              .join(';'),
            ...(overallRate !== undefined ? { KGKIT_BENCH_RATE: String(overallRate) } : {}),
          },
        });
        let text = '';
        child.stdout.on('data', (chunk: Buffer) => {
          text += chunk.toString('utf8');
        });
        child.stderr.on('data', (chunk: Buffer) => {
          text += chunk.toString('utf8');
        });
        child.on('error', reject);
        child.on('close', () => resolve(text));
      });
      const line = /^KGKIT (.*)$/m.exec(output)?.[1];
      if (!line) return { rps: Number.NaN, p50: Number.NaN, p99: Number.NaN, answered: 0, problems: [`wrk printed no result: ${output.slice(-300)}`] };
      const r = JSON.parse(line) as {
        ok: number;
        other: number;
        sent: number;
        short: number;
        us: number;
        p50: number;
        p99: number;
        errors: number;
        late: number;
        lagMs: number;
        first: string;
      };
      const problems: string[] = [];
      if (r.other > 0) problems.push(`${r.other} unexpected answers, first: ${r.first}`);
      if (r.errors > 0) problems.push(`${r.errors} socket errors or timeouts`);
      if (r.short > 0) problems.push(`${r.short} calls past the end of the signed pool (pool too small)`);
      const result: LoadResult = { rps: r.ok / (r.us / 1e6), p50: r.p50 / 1000, p99: r.p99 / 1000, answered: r.ok + r.other, problems };
      if (overallRate === undefined) return result;
      problems.push(...pacingProblems(overallRate, result.rps, r.sent, r.late, r.lagMs));
      return { ...result, late: { calls: r.late, sent: r.sent, worstMs: r.lagMs } };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}
