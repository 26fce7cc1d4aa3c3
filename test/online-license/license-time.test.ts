import { describe, expect, it } from 'vitest';
import { parseLicenseTime } from '../../src/online-license/license-time.js';

describe('getLicenseAsync times (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649255.html, format UNCONFIRMED)', () => {
  const at = Date.UTC(2023, 9, 27, 10, 30, 15);
  it.each([
    ['2023-10-27 10:30:15 z', at],
    ['2023-10-27 10:30:15 Z', at],
    ['2023-10-27 10:30:15z', at],
    ['2023-10-27 10:30:15', at],
    ['2023-10-27T10:30:15Z', at],
    ['2023-10-27 10:30:15 UTC', at],
    ['2023-10-27 10:30:15 GMT', at],
    ['2023-10-27 10:30:15.250 z', at + 250],
    ['2023-10-27 10:30:15.5Z', at + 500],
    ['2023-10-27 18:30:15 +08:00', at],
    ['2023-10-27 18:30:15+0800', at],
    ['2023-10-27 05:30:15 -05:00', at],
    ['2024-02-29 00:00:00 z', Date.UTC(2024, 1, 29)],
  ])('%s → UTC', (value, expected) => expect(parseLicenseTime(value)).toBe(expected));

  it.each([
    '2023-10-27',
    '20231027103015',
    '2023/10/27 10:30:15 z',
    '2023-10-27 10:30 z',
    '2023-02-29 10:30:15 z',
    '2023-10-32 10:30:15 z',
    '2023-10-27 24:00:00 z',
    '2023-10-27 10:60:15 z',
    '2023-10-27 10:30:15 CST',
    '2023-10-27 10:30:15 +19:00',
    ' 2023-10-27 10:30:15 z',
    '',
  ])('%j → not a time', (value) => expect(parseLicenseTime(value)).toBeUndefined());
});
