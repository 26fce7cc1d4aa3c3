/**
 * Usage quantities are kept as exact integers of 1/10000: the marketplace takes at most 4 decimals
 * (`usage_value` Double(12,4), https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649410.html), so every sum is exact and no float is ever added.
 */
const UNITS_PER_VALUE = 10_000;
/** 99999999.9999: the largest Double(12,4). */
export const MAX_UNITS = 999_999_999_999;

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

export type ParsedQuantity = { units: number } | { error: string };

/** A positive decimal (string, or number) with at most 4 decimals, at most 99999999.9999 → units. */
export function parseQuantity(input: unknown): ParsedQuantity {
  if (typeof input === 'number' && !Number.isFinite(input)) return { error: 'quantity must be a finite number' };
  if (typeof input !== 'number' && typeof input !== 'string') return { error: 'quantity must be a decimal number or a decimal string' };
  const text = String(input);
  const match = DECIMAL.exec(text);
  if (!match) return { error: `quantity must be a plain positive decimal such as "12.5" (got ${JSON.stringify(text.slice(0, 40))})` };
  const whole = match[1]!.replace(/^0+(?=\d)/, '');
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (fraction.length > 4) {
    const hint = typeof input === 'number' ? ' (a float such as 0.1 + 0.2 is not exact: pass a string)' : '';
    return { error: `quantity has more than 4 decimals${hint}` };
  }
  if (whole.length > 8) return { error: 'quantity is larger than 99999999.9999' };
  const units = Number(whole) * UNITS_PER_VALUE + Number(fraction.padEnd(4, '0'));
  if (units === 0) return { error: 'quantity must be greater than 0' };
  return { units };
}

/** Units → the decimal string the marketplace is sent: no exponent, no trailing zeros ("99", "12.5", "0.0001"). */
export function formatUnits(units: bigint | number): string {
  const value = BigInt(units);
  const sign = value < 0n ? '-' : '';
  const magnitude = value < 0n ? -value : value;
  const whole = magnitude / BigInt(UNITS_PER_VALUE);
  const fraction = (magnitude % BigInt(UNITS_PER_VALUE)).toString().padStart(4, '0').replace(/0+$/, '');
  return `${sign}${whole}${fraction === '' ? '' : `.${fraction}`}`;
}
