import { createHmac } from 'node:crypto';
import { withDeadline } from '../time/deadline.js';
import type { AppAccess } from '../instances/instance.js';
import {
  type ChangePolicy,
  type InstanceEvent,
  type ProvisionResult,
  type Provisioner,
  ProvisioningRefusal,
  type ProvisioningRefusalCode,
} from '../instances/provisioner.js';

export interface ForwardingOptions {
  /** The seller application's endpoint that receives every lifecycle event. */
  url: string;
  /** Shared secret the application uses to check `x-kgkit-signature`. */
  secret: string;
  /** Longest wait for one answer; the marketplace call itself is answered 000004 long before. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export type ForwardedEventName = 'create' | 'refresh' | 'freeze' | 'unfreeze' | 'release' | 'upgrade' | 'changeCheck';

const REFUSALS = new Set<string>(['000100', '000101', '000102', '000103', '000104', '000105', '000106', '000107']);

/**
 * Posts each lifecycle event as JSON to the seller's application and waits for its answer:
 * - 200 (create: with `{"appInfo": {...}}`) → done; 202 → still working (create only: kgkit asks again later);
 * - 4xx with `{"resultCode": "0001xx", "resultMsg": "..."}` → that refusal is passed on to the marketplace;
 * - anything else → a failure (000005), and the marketplace retries.
 * The renewal-change check goes the same way: see forwardingChangePolicy.
 * Signed so the application can tell kgkit from anyone else: `x-kgkit-signature` = hex HMAC-SHA256(secret,
 * `${x-kgkit-timestamp}.${body}`).
 */
export function forwardingProvisioner(options: ForwardingOptions): Provisioner {
  const send = sender(options);
  return {
    async create(event, signal): Promise<ProvisionResult> {
      const body = await send('create', eventPayload(event), signal);
      if (body === PENDING) return { state: 'pending' };
      return { state: 'ready', appInfo: parseAppInfo(body) };
    },
    async refresh(event, signal) {
      await send(
        'refresh',
        { ...eventPayload(event), scene: event.scene, expiresAt: new Date(event.expiresAt).toISOString(), productId: event.productId },
        signal,
      );
    },
    async setFrozen(event, signal) {
      await send(event.frozen ? 'freeze' : 'unfreeze', eventPayload(event), signal);
    },
    async release(event, signal) {
      await send('release', eventPayload(event), signal);
    },
    async upgrade(event, signal) {
      await send('upgrade', eventPayload(event), signal);
    },
  };
}

/**
 * Asks the application whether a renewal change is allowed (`changeCheck` event with the `productInfo`):
 * 200 → allowed; 4xx with `{"resultCode": "000100", "resultMsg": "..."}` → refused with that reason.
 */
export function forwardingChangePolicy(options: ForwardingOptions): ChangePolicy {
  const send = sender(options);
  return async ({ instanceId, productInfo, test }) => {
    try {
      await send('changeCheck', { instanceId, productInfo, test }, new AbortController().signal);
      return { allowed: true };
    } catch (error) {
      if (error instanceof ProvisioningRefusal && error.resultCode === '000100') return { allowed: false, reason: error.message };
      throw error;
    }
  };
}

type Send = (name: ForwardedEventName, payload: object, signal: AbortSignal) => Promise<unknown>;

function sender({ url, secret, timeoutMs = 30_000, fetch: fetchImpl = fetch }: ForwardingOptions): Send {
  if (!/^https?:\/\//.test(url)) throw new Error('forwarding provisioner: url must be http(s)://…');
  if (secret.length < 16) throw new Error('forwarding provisioner: secret must be at least 16 characters');

  async function post(name: ForwardedEventName, payload: object, signal: AbortSignal): Promise<{ status: number; body: unknown }> {
    const body = JSON.stringify({ event: name, ...payload });
    const timestamp = String(Date.now());
    const signature = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
    const answered = await withDeadline(
      timeoutMs,
      async (deadline) => {
        const response = await fetchImpl(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-kgkit-timestamp': timestamp, 'x-kgkit-signature': signature },
          body,
          signal: deadline,
        });
        return { response, text: await response.text() };
      },
      signal,
    );
    if (!answered.done) throw new Error(`application did not answer ${name} within ${timeoutMs} ms`);
    const { response, text } = answered.value;
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed };
  }

  return async function send(name, payload, signal) {
    const { status, body } = await post(name, payload, signal);
    if (status >= 200 && status < 300) return status === 202 ? PENDING : body;
    const refusal = refusalOf(body);
    if (status >= 400 && status < 500 && refusal) throw refusal;
    throw new Error(`application answered HTTP ${status} to ${name}`);
  };
}

const PENDING = Symbol('pending');

function eventPayload(event: InstanceEvent): object {
  return { instanceId: event.instanceId, orderId: event.orderId, orderLineId: event.orderLineId, test: event.test };
}

function refusalOf(body: unknown): ProvisioningRefusal | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { resultCode, resultMsg } = body as { resultCode?: unknown; resultMsg?: unknown };
  if (typeof resultCode !== 'string' || !REFUSALS.has(resultCode)) return undefined;
  return new ProvisioningRefusal(resultCode as ProvisioningRefusalCode, typeof resultMsg === 'string' ? resultMsg.slice(0, 255) : 'refused by the product');
}

// Limits of the AppInfo table (https://support.huaweicloud.com/intl/en-us/accessg-marketplace/topic_0070649093.html): an answer over them would break the contract with the marketplace.
const APP_INFO_LIMITS: Record<keyof AppAccess, number> = { frontEndUrl: 512, adminUrl: 512, userName: 128, password: 128, memo: 1024 };

function parseAppInfo(body: unknown): AppAccess {
  const appInfo = (body as { appInfo?: unknown } | undefined)?.appInfo;
  if (typeof appInfo !== 'object' || appInfo === null) throw new Error('application answered create without appInfo');
  const result: Partial<AppAccess> = {};
  for (const [key, limit] of Object.entries(APP_INFO_LIMITS) as [keyof AppAccess, number][]) {
    const value = (appInfo as Record<string, unknown>)[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' || value.length > limit) throw new Error(`application answered an invalid appInfo.${key}`);
    result[key] = value;
  }
  if (!result.frontEndUrl) throw new Error('application answered appInfo without frontEndUrl');
  return result as AppAccess;
}
