const LICENSE_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?(?: ?(?:([zZ]|UTC|GMT)|([+-])(\d{2}):?(\d{2})))?$/;

/**
 * Parses a getLicenseAsync time. Huawei's only example is `"2023-10-27 10:30:15 z"` (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649255.html,
 * UNCONFIRMED): kgkit reads it as UTC, and also accepts a `T`, milliseconds, `Z`/`UTC`/`GMT` or an offset. Returns
 * epoch ms, or undefined for anything else or a time that does not exist (31 February, 24:00:00).
 */
export function parseLicenseTime(value: string): number | undefined {
  const m = LICENSE_TIME.exec(value);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const millis = Number((m[7] ?? '0').padEnd(3, '0'));
  const local = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const back = new Date(local);
  const real =
    back.getUTCFullYear() === year &&
    back.getUTCMonth() === month - 1 &&
    back.getUTCDate() === day &&
    back.getUTCHours() === hour &&
    back.getUTCMinutes() === minute &&
    back.getUTCSeconds() === second;
  if (!real) return undefined;
  if (m[9] === undefined) return local;
  const [offsetHours, offsetMinutes] = [Number(m[10]), Number(m[11])];
  if (offsetHours > 18 || offsetMinutes > 59) return undefined;
  const offset = (offsetHours * 60 + offsetMinutes) * 60_000;
  return m[9] === '+' ? local - offset : local + offset;
}
