import { describe, expect, it } from 'vitest';
import { retryDelay } from '../../src/jobs/backoff.js';

describe('backoff', () => {
  const usage = { baseMs: 30_000, capMs: 600_000, jitter: 0.5 };
  it.each([
    [1, 15_000, 30_000],
    [2, 30_000, 60_000],
    [3, 60_000, 120_000],
    [5, 240_000, 480_000],
    [6, 300_000, 600_000],
    [40, 300_000, 600_000],
  ])('with half of it random, after attempt %d waits from %d to %d ms', (attempts, low, high) => {
    expect(retryDelay(attempts, usage, () => 0)).toBe(low);
    expect(retryDelay(attempts, usage, () => 1)).toBe(high);
  });

  it.each([
    [0, 10_000],
    [1, 10_000],
    [2, 20_000],
    [3, 40_000],
    [7, 640_000],
    [8, 900_000],
    [1000, 900_000],
  ])('without jitter, after attempt %d waits exactly %d ms', (attempts, wait) => {
    const lookups = { baseMs: 10_000, capMs: 900_000, jitter: 0 };
    expect(retryDelay(attempts, lookups, () => 0.99)).toBe(wait);
  });
});
