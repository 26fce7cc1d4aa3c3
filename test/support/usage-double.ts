/**
 * A marketplace double for the usage push (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649410.html), without HTTP: a PushUsage that checks every record
 * against the documented rules, bills each metering_sn once like the marketplace, and misbehaves on purpose.
 */
import type { PushOutcome, PushUsage, UsageRecordWire } from '../../src/usage/push.js';

export interface DoubleInstance {
  createdAt: number;
  releasedAt?: number;
}

/**
 * What a call does instead of a plain answer: 'fail' answers MKT.0999 and bills nothing, 'down' is unreachable and
 * bills nothing, 'timeout' bills the batch but the caller hears `unreachable`; or a given outcome, billing nothing.
 */
export type Fault = 'fail' | 'down' | 'timeout' | PushOutcome | undefined;

export interface UsageDoubleOptions {
  now: () => number;
  instances: ReadonlyMap<string, DoubleInstance>;
  /** Called with the 1-based call number and the records; by default every third call fails and every seventh times out. */
  fault?: (call: number, records: UsageRecordWire[]) => Fault;
}

export interface DoubleCall {
  size: number;
  answer: string;
}

export interface UsageDouble {
  push: PushUsage;
  /** Billed records by metering_sn. */
  billed: Map<string, UsageRecordWire>;
  calls: DoubleCall[];
  /** Every broken rule: a correct client makes none. */
  violations: string[];
  /** Records received again after they were billed (resends after a timeout): not billed twice. */
  resent: number;
}

export const everyThirdFailsEverySeventhTimesOut = (call: number): Fault => (call % 3 === 0 ? 'fail' : call % 7 === 0 ? 'timeout' : undefined);

const TIME = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const VALUE = /^\d{1,8}(\.\d{1,4})?$/;
const DAY_MS = 86_400_000;
const FIELDS = new Set(['instance_id', 'record_time', 'begin_time', 'end_time', 'usage_value', 'metering_sn', 'relate_pkg_instance']);

/** `yyyyMMdd'T'HHmmss'Z'` → epoch ms, undefined when malformed. */
export function parseWireTime(text: unknown): number | undefined {
  const match = typeof text === 'string' ? TIME.exec(text) : null;
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const at = Date.UTC(year, month - 1, day, hour, minute, second);
  return new Date(at).getUTCDate() === day ? at : undefined;
}

/** A decimal string → exact 1/10000 units (independent of src/usage/quantity.ts). */
export function valueUnits(text: string): bigint {
  const [whole, fraction = ''] = text.split('.');
  return BigInt(whole!) * 10_000n + BigInt(fraction.padEnd(4, '0'));
}

export function usageDouble(options: UsageDoubleOptions): UsageDouble {
  const fault = options.fault ?? everyThirdFailsEverySeventhTimesOut;
  const double: UsageDouble = { push: async () => ({ kind: 'accepted' }), billed: new Map(), calls: [], violations: [], resent: 0 };
  const windows = new Map<string, string>(); // instance + begin + end → metering_sn

  const problemsOf = (record: UsageRecordWire, now: number): { code: string; problem: string } | undefined => {
    const where = `record ${record.metering_sn}`;
    const extra = Object.keys(record).filter((key) => !FIELDS.has(key));
    if (extra.length > 0) return { code: 'MKT.0101', problem: `${where}: undefined fields ${extra.join(', ')}` };
    if (typeof record.metering_sn !== 'string' || record.metering_sn.length === 0 || record.metering_sn.length > 64)
      return { code: 'MKT.0101', problem: `${where}: metering_sn` };
    const instance = options.instances.get(record.instance_id);
    if (instance === undefined) return { code: 'MKT.9001', problem: `${where}: instance ${record.instance_id} not found` };
    if (record.relate_pkg_instance !== undefined && (record.relate_pkg_instance.length === 0 || record.relate_pkg_instance.length > 64)) {
      return { code: 'MKT.0101', problem: `${where}: relate_pkg_instance` };
    }
    if (typeof record.usage_value !== 'string' || !VALUE.test(record.usage_value) || valueUnits(record.usage_value) === 0n) {
      return { code: 'MKT.0100', problem: `${where}: usage_value ${String(record.usage_value)}` };
    }
    const [recordAt, beginAt, endAt] = [record.record_time, record.begin_time, record.end_time].map(parseWireTime);
    if (recordAt === undefined || beginAt === undefined || endAt === undefined) return { code: 'MKT.0100', problem: `${where}: time format` };
    if (!(beginAt <= endAt && endAt <= recordAt && recordAt <= now)) return { code: 'MKT.0100', problem: `${where}: begin ≤ end ≤ record_time ≤ now broken` };
    if (beginAt < instance.createdAt) return { code: 'MKT.0100', problem: `${where}: begins before the instance was created` };
    if (instance.releasedAt !== undefined && endAt > instance.releasedAt)
      return { code: 'MKT.0100', problem: `${where}: ends after the instance was released` };
    if (beginAt < now - 21 * DAY_MS) return { code: 'MKT.9004', problem: `${where}: begin_time older than 21 days` };
    return undefined;
  };

  const bill = (record: UsageRecordWire) => {
    const earlier = double.billed.get(record.metering_sn);
    if (earlier !== undefined) {
      double.resent += 1;
      if (JSON.stringify(earlier) !== JSON.stringify(record)) double.violations.push(`metering_sn ${record.metering_sn} resent with other content`);
      return;
    }
    // The marketplace bills only the first of two records of an instance with the same begin_time and end_time.
    const window = `${record.instance_id} ${record.begin_time} ${record.end_time}`;
    const other = windows.get(window);
    if (other !== undefined) double.violations.push(`records ${other} and ${record.metering_sn} share the window ${window}: the second is dropped`);
    windows.set(window, record.metering_sn);
    double.billed.set(record.metering_sn, record);
  };

  double.push = async (records) => {
    const call = double.calls.length + 1;
    const answer = (outcome: PushOutcome): PushOutcome => {
      double.calls.push({ size: records.length, answer: outcome.kind === 'refused' ? outcome.code : outcome.kind });
      return outcome;
    };
    if (records.length === 0 || records.length > 1000) {
      double.violations.push(`call ${call} carried ${records.length} records`);
      return answer({ kind: 'refused', status: 500, code: 'MKT.9003', message: 'Usage records extends size limit.' });
    }
    const injected = fault(call, records);
    if (injected === 'fail') return answer({ kind: 'refused', status: 500, code: 'MKT.0999', message: 'System internal error.' });
    if (injected === 'down') return answer({ kind: 'unreachable', message: 'connect ECONNREFUSED' });
    if (typeof injected === 'object') return answer(injected);
    const now = options.now();
    for (const record of records) {
      const refusal = problemsOf(record, now);
      if (refusal !== undefined) {
        double.violations.push(refusal.problem);
        return answer({ kind: 'refused', status: refusal.code === 'MKT.0101' ? 400 : 500, code: refusal.code, message: refusal.problem });
      }
    }
    records.forEach(bill);
    return answer(injected === 'timeout' ? { kind: 'unreachable', message: 'timeout after 10000 ms' } : { kind: 'accepted' });
  };
  return double;
}
