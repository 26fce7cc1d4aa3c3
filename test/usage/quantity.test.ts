import { describe, expect, it } from 'vitest';
import { formatUnits, parseQuantity } from '../../src/usage/quantity.js';
import { billingWindows, recordBounds, statisticalTime, targetWindow, wireTime } from '../../src/usage/windows.js';
import { HOUR, T0 } from './helpers.js';

describe('quantities are exact 1/10000 units', () => {
  it.each([
    ['1', 10_000],
    [1, 10_000],
    ['0.0001', 1],
    ['12.5', 125_000],
    [12.5, 125_000],
    ['007.2500', 72_500],
    ['99999999.9999', 999_999_999_999],
    [0.3, 3_000],
  ])('%j → %d units', (input, units) => expect(parseQuantity(input)).toEqual({ units }));

  it.each([
    [0, /greater than 0/],
    ['0.00000', /greater than 0/],
    ['-1', /plain positive decimal/],
    ['1.23456', /more than 4 decimals/],
    [0.1 + 0.2, /more than 4 decimals.*pass a string/],
    [1e-7, /plain positive decimal/],
    ['100000000', /larger than 99999999.9999/],
    [1e21, /plain positive decimal/],
    ['1e3', /plain positive decimal/],
    [' 1', /plain positive decimal/],
    ['', /plain positive decimal/],
    [Number.NaN, /finite/],
    [null, /decimal number or a decimal string/],
    [true, /decimal number or a decimal string/],
  ])('refuses %j', (input, message) => {
    const parsed = parseQuantity(input);
    expect(parsed).toHaveProperty('error');
    expect((parsed as { error: string }).error).toMatch(message);
  });

  it.each([
    [10_000, '1'],
    [1, '0.0001'],
    [125_000, '12.5'],
    [999_999_999_999, '99999999.9999'],
    [12_345_678_901_234_567_890n, '1234567890123456.789'],
  ])('%s units → "%s"', (units, text) => expect(formatUnits(units)).toBe(text));
});

describe('times and windows', () => {
  it('writes record times as yyyyMMddTHHmmssZ and statistical times as yyyyMMddHHmmssSSS, in UTC', () => {
    const at = Date.UTC(2022, 7, 9, 9, 10, 0, 123);
    expect(wireTime(at)).toBe('20220809T091000Z');
    expect(statisticalTime(at)).toBe('20220809091000123');
  });

  it('starts hourly windows on the hour and daily ones at midnight of the chosen offset', () => {
    const at = Date.UTC(2026, 2, 2, 17, 30, 5);
    expect(billingWindows('hourly').startOf(at)).toBe(Date.UTC(2026, 2, 2, 17));
    expect(billingWindows('daily').startOf(at)).toBe(Date.UTC(2026, 2, 2, 16)); // Beijing midnight of 3 March
    expect(billingWindows('daily').startOf(Date.UTC(2026, 2, 2, 15, 59))).toBe(Date.UTC(2026, 2, 1, 16));
    expect(billingWindows('daily', 0).startOf(at)).toBe(Date.UTC(2026, 2, 2));
  });

  it('clamps a window to the instance life in whole seconds: begin rounds up, end rounds down', () => {
    expect(recordBounds(T0, T0 + HOUR, { createdAt: T0 - HOUR })).toEqual({ beginAt: T0, endAt: T0 + HOUR });
    expect(recordBounds(T0, T0 + HOUR, { createdAt: T0 + 1_500, releasedAt: T0 + 60_999 })).toEqual({ beginAt: T0 + 2_000, endAt: T0 + 60_000 });
    expect(recordBounds(T0, T0 + HOUR, { createdAt: T0 - HOUR, releasedAt: T0 - 1 })).toBeUndefined();
    expect(recordBounds(T0, T0 + HOUR, { createdAt: T0 + 500, releasedAt: T0 + 900 })).toBeUndefined();
  });

  it('sends a late event to the earliest window not sealed, unless that one starts after the release', () => {
    const hourly = billingWindows('hourly');
    const sealed = new Map([T0, T0 + HOUR, T0 + 3 * HOUR].map((start) => [start, start + HOUR]));
    expect(targetWindow(T0 + 2 * HOUR, sealed, hourly, { createdAt: 0 })).toBe(T0 + 2 * HOUR);
    expect(targetWindow(T0, sealed, hourly, { createdAt: 0 })).toBe(T0 + 2 * HOUR);
    expect(targetWindow(T0 + 3 * HOUR, sealed, hourly, { createdAt: 0 })).toBe(T0 + 4 * HOUR);
    expect(targetWindow(T0, sealed, hourly, { createdAt: 0, releasedAt: T0 + 2 * HOUR + 1_000 })).toBe(T0 + 2 * HOUR);
    expect(targetWindow(T0, sealed, hourly, { createdAt: 0, releasedAt: T0 + 2 * HOUR })).toBeUndefined();
  });

  it('sends an event of a window sealed early to the rest of that window, which ends with the hour (docs/decisions.md#25)', () => {
    const hourly = billingWindows('hourly');
    const early = new Map([
      [T0, T0 + 10 * 60_000],
      [T0 + 10 * 60_000, T0 + 25 * 60_000],
    ]);
    expect(targetWindow(T0, early, hourly, { createdAt: 0 })).toBe(T0 + 25 * 60_000);
    expect(targetWindow(T0, new Map([...early, [T0 + 25 * 60_000, T0 + HOUR]]), hourly, { createdAt: 0 })).toBe(T0 + HOUR);
    // A record that ended at the release leaves no rest to bill.
    expect(targetWindow(T0, new Map([[T0, T0 + 10 * 60_000]]), hourly, { createdAt: 0, releasedAt: T0 + 10 * 60_000 + 500 })).toBeUndefined();
  });
});
