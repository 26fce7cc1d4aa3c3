import { KIT_V1_SCHEMAS } from '../../generated/kit-v1/server.js';
import { KIT_V2_SCHEMAS } from '../../generated/kit-v2/server.js';
import { LICENSE_CODE_SCHEMAS } from '../../generated/license-code/server.js';
import { ONLINE_LICENSE_SCHEMAS } from '../../generated/online-license/server.js';
import { ORDER_NOTIFY_SCHEMAS } from '../../generated/order-notify/server.js';
import { SAAS_V1_SCHEMAS } from '../../generated/saas-v1/server.js';
import { SAAS_V2_SCHEMAS } from '../../generated/saas-v2/server.js';

/** Every interface family the marketplace calls on a seller (README "Interface families"). */
export const SELLER_FAMILIES = ['saas-v2', 'saas-v1', 'kit-v2', 'kit-v1', 'license-code', 'online-license', 'order-notify'] as const;
export type SellerFamily = (typeof SELLER_FAMILIES)[number];

/**
 * How the marketplace signs a family's calls (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649476.html; V1: https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649156.html): `basic` = `signature`/`timestamp`/`nonce`
 * query over the JSON body; `kit-v2` = `x-sign`/`x-timestamp`/`x-nonce` headers; `kit-v1` = `authToken` header over
 * the body (its `timeStamp` in UTC+8); `saas-v1` = GET with `authToken`/`timeStamp` (UTC) in the query.
 */
export type Transport = 'basic' | 'kit-v2' | 'kit-v1' | 'saas-v1';

export interface FamilyFacts {
  transport: Transport;
  /** What the family is called in messages. */
  title: string;
  /** Which response schema of generated/<family>/openapi.json belongs to each handler; the rest get the rejection. */
  schemas: { handlers: Record<string, { request: string; response: string }>; rejections: Record<string, string> };
  /** Body-Sign on every answer is required (V1.0, Kit V1); elsewhere it must verify when present (docs/decisions.md#10). */
  bodySignRequired: boolean;
}

export const FAMILIES: Record<SellerFamily, FamilyFacts> = {
  'saas-v2': { transport: 'basic', title: 'SaaS V2.0', schemas: SAAS_V2_SCHEMAS, bodySignRequired: false },
  'saas-v1': { transport: 'saas-v1', title: 'SaaS V1.0', schemas: SAAS_V1_SCHEMAS, bodySignRequired: true },
  'kit-v2': { transport: 'kit-v2', title: 'Kit V2', schemas: KIT_V2_SCHEMAS, bodySignRequired: false },
  'kit-v1': { transport: 'kit-v1', title: 'Kit V1', schemas: KIT_V1_SCHEMAS, bodySignRequired: true },
  'license-code': { transport: 'basic', title: 'License codes 2.0', schemas: LICENSE_CODE_SCHEMAS, bodySignRequired: false },
  'online-license': { transport: 'basic', title: 'Online License', schemas: ONLINE_LICENSE_SCHEMAS, bodySignRequired: false },
  'order-notify': { transport: 'basic', title: 'Order notification', schemas: ORDER_NOTIFY_SCHEMAS, bodySignRequired: false },
};

export const isSellerFamily = (name: string): name is SellerFamily => (SELLER_FAMILIES as readonly string[]).includes(name);

/** The handlers (activities or Kit operations) the family's contract declares. */
export const handlersOf = (family: SellerFamily): string[] => Object.keys(FAMILIES[family].schemas.handlers);
