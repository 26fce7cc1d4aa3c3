import type { UsageDelivery } from './marketplace-api.js';

const UNITS = /^(0|[1-9]\d*)(?:\.(\d{1,4}))?$/;

/** A usage value (at most 4 decimals, https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649410.html) in 1/10000 units, exactly; undefined when it is not one. */
export function usageUnits(value: unknown): bigint | undefined {
  const m = UNITS.exec(String(value));
  return m ? BigInt(m[1]!) * 10_000n + BigInt((m[2] ?? '').padEnd(4, '0')) : undefined;
}

/** 1/10000 units as the decimal they are, without trailing zeros. */
export function formatUnits(units: bigint): string {
  const fraction = String(units % 10_000n)
    .padStart(4, '0')
    .replace(/0+$/, '');
  return `${units / 10_000n}${fraction ? `.${fraction}` : ''}`;
}

/** The usage pushes that carried a record of the instance. */
export function deliveriesOf(deliveries: readonly UsageDelivery[], instanceId: string): UsageDelivery[] {
  return deliveries.filter((d) => d.records.some((r) => r.instanceId === instanceId || r.relatePkgInstance === instanceId));
}
