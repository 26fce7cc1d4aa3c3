/** One element of `usage_records` in the usage push (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649410.html). */
export interface UsageRecordWire {
  instance_id: string;
  record_time: string;
  begin_time: string;
  end_time: string; // UTC yyyyMMdd'T'HHmmss'Z'
  usage_value: string; // > 0, at most 4 decimals, as a decimal string
  metering_sn: string; // stable per record, ≤ 64 chars
  relate_pkg_instance?: string;
}

export type PushOutcome =
  | { kind: 'accepted' }
  | { kind: 'refused'; status: number; code: string; message: string } // the marketplace answered an error code
  | { kind: 'unreachable'; message: string }; // network error / timeout / 5xx with no code, after the transport's own retries

export type PushUsage = (records: UsageRecordWire[], signal?: AbortSignal) => Promise<PushOutcome>;
