import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import type { Context } from 'hono';
import { APIG_CLOCK_TOLERANCE_MS, type AkSk, verifyApigRequest } from '../crypto/apig-signature.js';
import { USAGE_PUSH_TOLERANCE_MS, verifyUsagePush } from '../crypto/usage-signature.js';
import type { UsageRecordWire } from '../usage/push.js';
import { type MarketplaceOperation, marketplaceOperations, successExamples } from './marketplace-contract.js';
import { type SdrVerdict, type UsageInstanceView, checkUsageRecord } from './sdr-checks.js';

/** What the double does to one call instead of answering it normally. */
export type Fault =
  /** Answer HTTP 500 with the family's internal-error code, without processing the call. */
  | 'error'
  /** Process the call, then hold the answer for `holdMs`: the caller times out although the marketplace took it. */
  | 'timeout';

export interface MarketplaceApiOptions {
  /** The key bound to the basic interfaces: verifies the usage push (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649410.html). */
  accessKey: string;
  /** The AK/SK the APIG-signed calls must be signed with (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649242.html). */
  akSk: AkSk;
  now?: () => number;
  /** Decides a fault per call: the operation and the how-many-th call of it this is (1-based). */
  fault?: (operationId: string, call: number) => Fault | undefined;
  holdMs?: number;
  /**
   * The background check of usage records (SDR codes 001–013). Without it a record is checked at once, and only on
   * its own (no instance checks): the bare Open API double of the client tests.
   */
  usageChecks?: UsageChecks;
  /** How far the callers' clocks may be from `now` (usage push `ts`, APIG `X-Sdk-Date`); the documented values by default. */
  clockToleranceMs?: { usagePush?: number; apig?: number };
}

export interface UsageChecks {
  /** The instance a record names, as the marketplace knows it; undefined when it does not exist. */
  instanceOf(instanceId: string): UsageInstanceView | undefined;
  productDelisted?(productId: string): boolean;
  /** How long after its push a record is checked (it is `pending` meanwhile). */
  delayMs: number;
  /** Waits `ms` (the simulator's clock). */
  sleep(ms: number): Promise<void>;
}

/** One usage record as the double accepted it, with the state its background check gave it (an SDR code, docs/decisions.md#13). */
export interface AcceptedUsage {
  record: UsageRecordWire;
  acceptedAt: number;
  sdr: SdrVerdict;
  validatedAt?: number;
}

/**
 * One usage push the double answered (a delivery): the records it carried and the answer. `accepted` means the
 * marketplace took the records (new, or again by metering_sn); `refused` that the whole call was refused.
 */
export interface UsageDelivery {
  id: number;
  at: number;
  /** The records the push carried, as far as its body could be read. */
  records: { meteringSn: string; instanceId: string; relatePkgInstance?: string }[];
  status: number;
  code?: string;
  outcome: 'accepted' | 'refused';
  /** Records of this push whose metering_sn was billed before: a resend, counted once. */
  resent: number;
  /** A fault the double injected into this push. */
  fault?: Fault;
}

/** One Open API request the double answered, for the simulator's page. */
export interface OpenApiRequest {
  at: number;
  operationId: string;
  status: number;
  code?: string;
}

export interface MarketplaceState {
  /** Usage records by metering_sn: the marketplace bills each sn once. */
  usage: Map<string, AcceptedUsage>;
  /** Every push the double processed, with the size of its batch. */
  pushes: { records: number; fault?: Fault }[];
  /** Records received again with a metering_sn already billed (a retry after a timeout): counted once. */
  resent: number;
  /** Every usage push with its records and answer, oldest first (at most 1000). */
  deliveries: UsageDelivery[];
  /** A metering_sn sent again with other content, or two sns for one instance and window: must never happen. */
  conflicts: string[];
  /** The records of those metering_sn sent again with other content (SDR 005). */
  duplicates: AcceptedUsage[];
  uploads: { eventId: string; type: string; content: string; sha256?: string }[];
  /** Requests that did not match openapi/marketplace, or whose signature failed. */
  violations: string[];
  calls: Map<string, number>;
  /** The latest requests (at most 500), oldest first. */
  requests: OpenApiRequest[];
}

const FAMILY_ERRORS: Record<string, { status: number; code: string; message: string; field: 'error_code' | 'resultCode' }> = {
  queryOrder: { status: 500, code: 'MKT.0999', message: 'System internal error.', field: 'resultCode' },
  pushUsage: { status: 500, code: 'MKT.0999', message: 'System internal error.', field: 'error_code' },
  pushUsageLegacy: { status: 500, code: 'MKT.0999', message: 'System internal error.', field: 'error_code' },
  uploadMarketEventFile: { status: 500, code: 'CBC.0999', message: 'internal error', field: 'error_code' },
};
const LICENSE_ERROR = { status: 200, code: '92020001', message: 'internal error', field: 'error_code' as const };
const INVALID: Record<string, string> = { queryOrder: 'MKT.0101', pushUsage: 'MKT.0101', pushUsageLegacy: 'MKT.0101', uploadMarketEventFile: 'CBC.0101' };
const TIME = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const timeOf = (value: string) => {
  const m = TIME.exec(value);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : Number.NaN;
};

/**
 * A stand-in for the marketplace's Open APIs (openapi/marketplace) for tests and the simulator: it checks every request
 * against the contract and its signature (APIG AK/SK, or the usage push's HMAC), serves the documented mock orders and
 * the orders it is given, keeps usage records once per metering_sn and checks each in the background into an SDR
 * state (`usageChecks`), accepts License uploads, and injects faults.
 */
export function marketplaceApi(options: MarketplaceApiOptions): { app: Hono; state: MarketplaceState; addOrder(orderInfo: Record<string, unknown>): void } {
  const { accessKey, akSk, now = Date.now, fault, holdMs = 1_000, usageChecks, clockToleranceMs = {} } = options;
  const state: MarketplaceState = {
    usage: new Map(),
    pushes: [],
    resent: 0,
    deliveries: [],
    conflicts: [],
    duplicates: [],
    uploads: [],
    violations: [],
    calls: new Map(),
    requests: [],
  };
  const orders = new Map<string, unknown>();
  for (const [name, answer] of successExamples('queryOrder')) orders.set(name, (answer as { orderInfo: unknown }).orderInfo);
  const nonces = new Set<string>();
  const windows = new Map<string, string>();
  const app = new Hono();

  const answer = (c: Context, status: number, body: object) => c.json(body, status as 200);
  const refuse = (c: Context, op: MarketplaceOperation, status: number, code: string, message: string) => {
    const field = op.operationId === 'queryOrder' ? 'resultCode' : 'error_code';
    return answer(c, status, field === 'resultCode' ? { resultCode: code, resultMsg: message } : { error_code: code, error_msg: message });
  };

  const faults = new WeakMap<Context, Fault>();
  for (const op of marketplaceOperations()) {
    app.on(op.method.toUpperCase(), op.path.replace(/\{(\w+)\}/g, ':$1'), async (c) => {
      const resentBefore = state.resent;
      const response = await answerOperation(op, c);
      const body = (await response
        .clone()
        .json()
        .catch(() => ({}))) as { resultCode?: string; error_code?: string };
      const code = body.resultCode ?? body.error_code;
      state.requests.push({ at: now(), operationId: op.operationId, status: response.status, ...(code ? { code } : {}) });
      if (state.requests.length > 500) state.requests.splice(0, state.requests.length - 500);
      if (op.operationId === 'pushUsage') {
        const fault = faults.get(c);
        state.deliveries.push({
          id: state.deliveries.length > 0 ? state.deliveries.at(-1)!.id + 1 : 1,
          at: now(),
          records: pushedRecords(await c.req.text().catch(() => '')),
          status: response.status,
          ...(code ? { code } : {}),
          outcome: response.status === 200 && code === 'MKT.0000' ? 'accepted' : 'refused',
          resent: state.resent - resentBefore,
          ...(fault ? { fault } : {}),
        });
        if (state.deliveries.length > 1000) state.deliveries.splice(0, state.deliveries.length - 1000);
      }
      return response;
    });
  }

  async function answerOperation(op: MarketplaceOperation, c: Context): Promise<Response> {
    const n = (state.calls.get(op.operationId) ?? 0) + 1;
    state.calls.set(op.operationId, n);
    const raw = new Uint8Array(await c.req.arrayBuffer());
    const headers = Object.fromEntries([...c.req.raw.headers].map(([k, v]) => [k.toLowerCase(), v]));
    const text = new TextDecoder().decode(raw);

    // Authentication first, as the gateway does.
    if (op.operationId === 'pushUsage') {
      const verdict = verifyUsagePush(accessKey, headers, text, now(), clockToleranceMs.usagePush ?? USAGE_PUSH_TOLERANCE_MS);
      const replay = verdict.ok && nonces.has(headers.nonce!);
      if (!verdict.ok || replay) {
        state.violations.push(`${op.operationId}: ${verdict.ok ? 'replayed nonce' : verdict.reason}`);
        return refuse(
          c,
          op,
          verdict.ok || verdict.code === 'MKT.0154' ? 401 : 400,
          verdict.ok ? 'MKT.0154' : verdict.code,
          verdict.ok ? 'Illegal token' : 'Invalid body sign',
        );
      }
      nonces.add(headers.nonce!);
    } else {
      const verdict = verifyApigRequest(
        { method: c.req.method, url: c.req.url, headers, body: raw },
        (ak) => (ak === akSk.accessKey ? akSk.secretKey : undefined),
        now(),
        clockToleranceMs.apig ?? APIG_CLOCK_TOLERANCE_MS,
      );
      if (!verdict.ok) {
        state.violations.push(`${op.operationId}: ${verdict.reason}`);
        return answer(c, 401, {
          error_code: verdict.code,
          error_msg: `Incorrect IAM authentication information: ${verdict.reason}`,
          request_id: createHash('md5').update(text).digest('hex'),
        });
      }
    }

    let body: unknown;
    let file: File | undefined;
    if ((headers['content-type'] ?? '').startsWith('multipart/form-data')) {
      const form = await new Request(c.req.url, { method: 'POST', headers: { 'content-type': headers['content-type']! }, body: raw }).formData();
      const part = form.get('isvUpdateFileReq');
      const filePart = form.get('file');
      file = filePart instanceof File ? filePart : undefined;
      body = {
        ...(part !== null ? { isvUpdateFileReq: typeof part === 'string' ? part : await part.text() } : {}),
        ...(filePart !== null ? { file: typeof filePart === 'string' ? filePart : await filePart.text() } : {}),
      };
    } else if (raw.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    const problems = op.check({ query: c.req.query(), headers, path: c.req.param() as Record<string, string>, body });
    if (problems.length > 0) {
      state.violations.push(`${op.operationId}: ${problems.join('; ')}`);
      const license = op.operationId.includes('License') || op.operationId === 'reportSoftwareUsage';
      return license
        ? answer(c, 400, { error_code: '95000001', error_msg: 'req param is invalid' })
        : refuse(c, op, 400, INVALID[op.operationId] ?? 'MKT.0101', problems[0]!);
    }

    const injected = fault?.(op.operationId, n);
    if (injected) faults.set(c, injected);
    if (injected === 'error') {
      if (op.operationId === 'pushUsage') state.pushes.push({ records: 0, fault: 'error' });
      const error = FAMILY_ERRORS[op.operationId] ?? LICENSE_ERROR;
      return answer(c, error.status, { [error.field]: error.code, [error.field === 'resultCode' ? 'resultMsg' : 'error_msg']: error.message });
    }
    const response = await handle(op.operationId, c, body, file);
    if (injected === 'timeout') {
      if (op.operationId === 'pushUsage') state.pushes.at(-1)!.fault = 'timeout';
      await new Promise((resolve) => setTimeout(resolve, holdMs));
    }
    return response;
  }

  async function handle(operationId: string, c: Context, body: unknown, file: File | undefined): Promise<Response> {
    switch (operationId) {
      case 'queryOrder': {
        const orderInfo = orders.get(c.req.query('orderId')!);
        if (!orderInfo) return answer(c, 400, { resultCode: 'MKT.0101', resultMsg: 'Invalid parameter: no such order' });
        return answer(c, 200, { resultCode: 'MKT.0000', resultMsg: 'Success.', orderInfo });
      }
      case 'pushUsage': {
        const records = (body as { usage_records: UsageRecordWire[] }).usage_records;
        if (records.some((r) => timeOf(r.begin_time) < now() - 21 * 86_400_000))
          return answer(c, 500, { error_code: 'MKT.9004', error_msg: 'Record beginTime extends Limit.' });
        state.pushes.push({ records: records.length });
        for (const record of records) accept(record);
        return answer(c, 200, { error_code: 'MKT.0000', error_msg: 'Success.' });
      }
      case 'uploadMarketEventFile': {
        const request = JSON.parse((body as { isvUpdateFileReq: string }).isvUpdateFileReq) as { type: string; characters?: string; sha256?: string };
        const content = request.type === 'FILE' ? await file!.text() : (request.characters ?? '');
        if (
          request.type === 'FILE' &&
          createHash('sha256')
            .update(Buffer.from(await file!.arrayBuffer()))
            .digest('hex') !== request.sha256?.toLowerCase()
        ) {
          state.violations.push('uploadMarketEventFile: sha256 does not match the file');
          return answer(c, 400, { error_code: 'CBC.0101', error_msg: 'Invalid parameter: sha256' });
        }
        state.uploads.push({ eventId: c.req.param('event_id')!, type: request.type, content, ...(request.sha256 ? { sha256: request.sha256 } : {}) });
        return answer(c, 200, { error_code: 'CBC.0000', error_msg: 'Success' });
      }
      case 'pushUsageLegacy':
        return answer(c, 200, { error_code: 'MKT.0000', error_msg: 'Success.' });
      default:
        return answer(c, 200, { error_code: '92020000', error_msg: 'success' });
    }
  }

  /** Takes a record once per metering_sn (a resend is billed once); its check runs in the background (SDR 001–013). */
  function accept(record: UsageRecordWire): void {
    const known = state.usage.get(record.metering_sn);
    if (known) {
      state.resent += 1;
      if (JSON.stringify(known.record) !== JSON.stringify(record)) {
        state.conflicts.push(`${record.metering_sn} was sent again with other content`);
        const duplicate: AcceptedUsage = { record, acceptedAt: now(), sdr: { state: 'pending' } };
        state.duplicates.push(duplicate);
        check(duplicate, { snReused: true });
      }
      return;
    }
    const window = `${record.instance_id}|${record.relate_pkg_instance ?? ''}|${record.begin_time}|${record.end_time}`;
    const other = windows.get(window);
    if (other !== undefined) state.conflicts.push(`${record.metering_sn} repeats the window of ${other}`);
    else windows.set(window, record.metering_sn);
    const accepted: AcceptedUsage = { record, acceptedAt: now(), sdr: { state: 'pending' } };
    state.usage.set(record.metering_sn, accepted);
    check(accepted, other !== undefined ? { sameWindowAs: other } : {});
  }

  function check(accepted: AcceptedUsage, found: { snReused?: boolean; sameWindowAs?: string }): void {
    const run = () => {
      accepted.sdr = checkUsageRecord(accepted.record, {
        now: now(),
        ...found,
        ...(usageChecks ? { instanceOf: (id: string) => usageChecks.instanceOf(id) } : {}),
        ...(usageChecks?.productDelisted ? { productDelisted: (id: string) => usageChecks.productDelisted!(id) } : {}),
      });
      accepted.validatedAt = now();
    };
    if (!usageChecks || usageChecks.delayMs <= 0) run();
    else void usageChecks.sleep(usageChecks.delayMs).then(run);
  }

  return { app, state, addOrder: (orderInfo) => orders.set(String(orderInfo.orderId), orderInfo) };
}

/** The records a usage push names, read leniently: a refused push may be malformed, and still shows what it tried. */
function pushedRecords(text: string): UsageDelivery['records'] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return [];
  }
  const records = (body as { usage_records?: unknown } | null)?.usage_records;
  if (!Array.isArray(records)) return [];
  return records.flatMap((record: Record<string, unknown> | null) =>
    typeof record?.metering_sn === 'string' && typeof record.instance_id === 'string'
      ? [
          {
            meteringSn: record.metering_sn,
            instanceId: record.instance_id,
            ...(typeof record.relate_pkg_instance === 'string' ? { relatePkgInstance: record.relate_pkg_instance } : {}),
          },
        ]
      : [],
  );
}
