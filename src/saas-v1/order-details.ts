import { decryptCredential } from '../crypto/aes-credentials.js';
import { parseExpireTime } from '../instances/expire-time.js';
import type { NewInstanceRequest } from '../../generated/saas-v1/server.js';
// The store owns the order rows and their shapes (src/store/saas-v1-orders.ts).
import type { ExtendParam, V1OrderDetails, V1OrderRepository } from '../store/saas-v1-orders.js';

/**
 * Reads the order details of a newInstance query, or says which parameter cannot be read. Contact fields arrive
 * encrypted like the answer's credentials (https://support.huaweicloud.com/intl/en-us/accessg-marketplace/en-us_topic_0070649063.html); AES-256 is Huawei's default and what public V1.0 seller
 * code decrypts them with (the key size KooGallery uses for them is UNCONFIRMED).
 */
export function readOrderDetails(query: NewInstanceRequest, accessKey: string): { details: V1OrderDetails } | { problem: string } {
  const decrypt = (name: 'mobilePhone' | 'email'): string | undefined | Error => {
    const value = query[name];
    if (value === undefined) return undefined;
    try {
      return decryptCredential(accessKey, '1', value);
    } catch {
      return new Error(`${name} cannot be decrypted with the access key (expected a 16-character IV and Base64 AES-256-CBC)`);
    }
  };
  const mobilePhone = decrypt('mobilePhone');
  if (mobilePhone instanceof Error) return { problem: mobilePhone.message };
  const email = decrypt('email');
  if (email instanceof Error) return { problem: email.message };

  let extendParams: ExtendParam[] | undefined;
  if (query.saasExtendParams !== undefined) {
    extendParams = decodeExtendParams(query.saasExtendParams);
    if (extendParams === undefined) return { problem: 'saasExtendParams is not the Base64 of a JSON array of {"name","value"}' };
  }
  let expiresAt: number | undefined;
  if (query.expireTime !== undefined) {
    expiresAt = parseExpireTime(query.expireTime);
    if (expiresAt === undefined) return { problem: 'expireTime is not a real UTC date and time' };
  }
  const int = (value: string | undefined) => (value === undefined ? undefined : Number(value));

  const details: V1OrderDetails = {
    orderId: query.orderId,
    customerId: query.customerId,
    customerName: query.customerName,
    userId: query.userId,
    userName: query.userName,
    mobilePhone,
    email,
    skuCode: query.skuCode,
    productId: query.productId,
    trial: query.trialFlag === undefined ? undefined : query.trialFlag === '1',
    chargingMode: query.chargingMode,
    expiresAt,
    periodType: query.periodType,
    periodNumber: int(query.periodNumber),
    orderAmount: query.orderAmount,
    amount: int(query.amount),
    diskSize: int(query.diskSize),
    bandWidth: int(query.bandWidth),
    provisionType: query.provisionType,
    extendParams,
    test: query.testFlag === '1',
  };
  return { details: withoutUndefined(details) };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function decodeExtendParams(base64: string): ExtendParam[] | undefined {
  if (!BASE64.test(base64)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(base64, 'base64')));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  const params: ExtendParam[] = [];
  for (const entry of parsed as unknown[]) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return undefined;
    const { name, value } = entry as Record<string, unknown>;
    if (typeof name !== 'string' || name === '') return undefined;
    if (value !== undefined && value !== null && typeof value !== 'string') return undefined;
    params.push({ name, value: value ?? null });
  }
  return params;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export type { ExtendParam, V1OrderDetails, V1OrderRepository };
