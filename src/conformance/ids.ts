import { randomBytes, randomUUID } from 'node:crypto';

/**
 * Fresh identifiers for one run, so that the catalogue can run again and again against the same seller: every order,
 * license code, tenant and event carries the run's tag. All match the contracts' ID pattern `^[A-Za-z0-9][A-Za-z0-9._:-]*$`.
 */
export class Ids {
  readonly tag: string;
  private sequence = 0;

  constructor(tag?: string) {
    this.tag = tag ?? `${Date.now().toString(36).toUpperCase()}${randomBytes(2).toString('hex').toUpperCase()}`;
  }

  private next(prefix: string): string {
    this.sequence += 1;
    return `${prefix}${this.tag}${String(this.sequence).padStart(4, '0')}`;
  }

  /** An order with its single line `<orderId>-000001`, the way KooGallery numbers lines (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649350.html). */
  order(): { orderId: string; orderLineId: string } {
    const orderId = this.next('CS');
    return { orderId, orderLineId: `${orderId}-000001` };
  }

  /** `businessId` changes on every call the marketplace makes (https://support.huaweicloud.com/intl/en-us/accessg-marketplace/topic_0070649092.html). */
  businessId(): string {
    return randomUUID();
  }

  licenseCode(): string {
    return this.next('PL');
  }

  tenant(): string {
    return this.next('TN');
  }

  app(): string {
    return this.next('AP');
  }

  event(): string {
    return this.next('EV');
  }

  customer(): string {
    return this.next('CU');
  }

  other(prefix: string): string {
    return this.next(prefix);
  }
}

const YEAR_MS = 365 * 24 * 3_600_000;

/** `yyyyMMddHHmmss` in UTC (the contracts' ExpireTime), `years` from now. */
export function expireTime(years = 1, from = Date.now()): string {
  return new Date(from + years * YEAR_MS).toISOString().replace(/\D/g, '').slice(0, 14);
}

/** The online License's time format, e.g. `2023-10-27 10:30:15 z` (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649255.html). */
export function licenseTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} z`;
}
