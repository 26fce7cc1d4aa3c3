import type { UsageRecordWire } from '../usage/push.js';

/**
 * The marketplace's background check of a usage record (话单, SDR): the push API only checks the request, then each
 * record is `pending` until it is found `valid` or `invalid` with a record-level code (docs/decisions.md#13, https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649410.html).
 */
export type SdrCode = '001' | '002' | '003' | '004' | '005' | '006' | '007' | '009' | '010' | '011' | '012' | '013';

export const SDR_CODES: Record<SdrCode, string> = {
  '001': 'instance does not exist',
  '002': 'bad time format',
  '003': 'abnormal usage value',
  '004': 'missing record ID (metering_sn)',
  '005': 'duplicate record ID (metering_sn sent before with other content)',
  '006': 'product delisted',
  '007': 'record time expired (begin_time more than 21 days ago)',
  '009': 'instance does not belong to this seller',
  '010': 'duplicate record (same instance, begin_time and end_time as an earlier record)',
  '011': 'invalid time range',
  '012': 'not a pay-per-use instance',
  '013': 'abnormal instance status',
};

export type SdrVerdict = { state: 'pending' } | { state: 'valid' } | { state: 'invalid'; code: SdrCode; reason: string };

/** What the check needs to know of the instance a record names. */
export interface UsageInstanceView {
  createdAt: number;
  releasedAt?: number;
  frozenAt?: number;
  chargingMode?: string;
  state: string;
  seller: 'self' | 'other';
  productId?: string;
}

export interface SdrContext {
  now: number;
  /** The instances the marketplace knows; absent (the bare Open API double), the instance checks are skipped. */
  instanceOf?: (instanceId: string) => UsageInstanceView | undefined;
  productDelisted?: (productId: string) => boolean;
  /** The metering_sn was used before for a record with other content. */
  snReused?: boolean;
  /** The metering_sn of an earlier record of the same instance (and package) and window. */
  sameWindowAs?: string;
}

const DAY_MS = 86_400_000;
const FUTURE_TOLERANCE_MS = 2 * 60_000;
const TIME = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const VALUE = /^(0|[1-9]\d{0,11})(\.\d{1,4})?$/;
const PAY_PER_USE = new Set(['ON_DEMAND', 'ON_DEMAND_PKG']);

/** `yyyyMMdd'T'HHmmss'Z'` → epoch ms; undefined when malformed or not a real date (20260231T…). */
export function parseUsageTime(text: unknown): number | undefined {
  const m = typeof text === 'string' ? TIME.exec(text) : null;
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const at = Date.UTC(year, month - 1, day, hour, minute, second);
  return new Date(at).getUTCDate() === day && new Date(at).getUTCMonth() === month - 1 ? at : undefined;
}

function usageProblem(value: unknown): string | undefined {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !VALUE.test(text)) return `usage_value ${JSON.stringify(value)} is not a decimal with at most 4 decimals`;
  if (Number(text) <= 0) return `usage_value ${text} is not greater than 0`;
  return undefined;
}

const iso = (at: number) => new Date(at).toISOString();

/** The verdict of one record, checked in the order a record would be refused for its first problem. */
export function checkUsageRecord(record: UsageRecordWire, context: SdrContext): SdrVerdict {
  const invalid = (code: SdrCode, reason: string): SdrVerdict => ({ state: 'invalid', code, reason });
  if (typeof record.metering_sn !== 'string' || record.metering_sn.trim() === '') return invalid('004', 'metering_sn is missing');
  if (context.snReused) return invalid('005', `metering_sn ${record.metering_sn} was sent before with other content`);
  const [recordAt, beginAt, endAt] = [record.record_time, record.begin_time, record.end_time].map(parseUsageTime);
  if (recordAt === undefined || beginAt === undefined || endAt === undefined)
    return invalid('002', 'record_time, begin_time and end_time must be real UTC times yyyyMMddTHHmmssZ');
  const usage = usageProblem(record.usage_value);
  if (usage) return invalid('003', usage);

  if (context.instanceOf) {
    const instance = context.instanceOf(record.instance_id);
    if (!instance) return invalid('001', `instance ${record.instance_id} does not exist`);
    if (instance.seller !== 'self') return invalid('009', `instance ${record.instance_id} belongs to another seller`);
    if (instance.productId !== undefined && context.productDelisted?.(instance.productId)) return invalid('006', `product ${instance.productId} is delisted`);
    if (instance.chargingMode !== undefined && !PAY_PER_USE.has(instance.chargingMode))
      return invalid('012', `instance ${record.instance_id} is charged ${instance.chargingMode}, not pay-per-use`);
    if (record.relate_pkg_instance !== undefined) {
      const pkg = context.instanceOf(record.relate_pkg_instance);
      if (!pkg) return invalid('001', `package instance ${record.relate_pkg_instance} does not exist`);
      if (pkg.chargingMode !== undefined && pkg.chargingMode !== 'ON_DEMAND_PKG')
        return invalid('012', `instance ${record.relate_pkg_instance} is not a package`);
    }
    if (instance.state === 'failed' || instance.state === 'provisioning') return invalid('013', `instance ${record.instance_id} is ${instance.state}`);
    if (instance.state === 'frozen' && instance.frozenAt !== undefined && beginAt >= instance.frozenAt)
      return invalid('013', `instance ${record.instance_id} is frozen since ${iso(instance.frozenAt)}`);
    if (beginAt < instance.createdAt) return invalid('011', `begin_time ${record.begin_time} is before the instance was created (${iso(instance.createdAt)})`);
    if (instance.releasedAt !== undefined && endAt > instance.releasedAt)
      return invalid('011', `end_time ${record.end_time} is after the instance was released (${iso(instance.releasedAt)})`);
  }
  if (!(beginAt <= endAt)) return invalid('011', `begin_time ${record.begin_time} is after end_time ${record.end_time}`);
  if (!(endAt <= recordAt)) return invalid('011', `end_time ${record.end_time} is after record_time ${record.record_time}`);
  if (recordAt > context.now + FUTURE_TOLERANCE_MS) return invalid('011', `record_time ${record.record_time} is in the future`);
  if (beginAt < context.now - 21 * DAY_MS) return invalid('007', `begin_time ${record.begin_time} is more than 21 days ago`);
  if (context.sameWindowAs !== undefined) return invalid('010', `same instance and window as record ${context.sameWindowAs}: only the first is billed`);
  return { state: 'valid' };
}
