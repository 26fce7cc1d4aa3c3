/**
 * Parses the marketplace's `expireTime`: `yyyyMMddHHmmss` or, as the examples send it, `yyyyMMddHHmmssSSS`, in UTC
 * (docs/decisions.md#8). Returns epoch ms, or undefined for anything that is not a real calendar instant.
 */
export function parseExpireTime(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{3})?$/.exec(value);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second, millis] = m.slice(1).map((part) => Number(part ?? 0)) as number[];
  const ms = Date.UTC(year!, month! - 1, day!, hour!, minute!, second!, millis!);
  const back = new Date(ms);
  // Date.UTC rolls 31 February over into March; a round trip catches every such value.
  const same =
    back.getUTCFullYear() === year &&
    back.getUTCMonth() === month! - 1 &&
    back.getUTCDate() === day &&
    back.getUTCHours() === hour &&
    back.getUTCMinutes() === minute &&
    back.getUTCSeconds() === second;
  return same ? ms : undefined;
}
