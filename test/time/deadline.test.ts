import { describe, expect, it } from 'vitest';
import { withDeadline } from '../../src/time/deadline.js';

describe('withDeadline', () => {
  it('gives the value of work that finishes in time', async () => {
    expect(await withDeadline(1_000, async () => 42)).toEqual({ done: true, value: 42 });
  });

  it('stops waiting at the deadline even when the work ignores its signal, and aborts that signal', async () => {
    let seen: AbortSignal | undefined;
    const started = Date.now();
    const result = await withDeadline(50, (signal) => {
      seen = signal;
      return new Promise((resolve) => setTimeout(() => resolve('late'), 1_000));
    });
    expect(result).toEqual({ done: false });
    expect(Date.now() - started).toBeLessThan(900);
    expect(seen?.aborted).toBe(true);
  });

  it('passes a failure of the work on', async () => {
    await expect(withDeadline(1_000, async () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
  });

  it("follows the caller's abort", async () => {
    const caller = new AbortController();
    const pending = withDeadline(5_000, (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))), caller.signal);
    caller.abort(new Error('caller gave up'));
    await expect(pending).rejects.toThrow('caller gave up');
  });
});
