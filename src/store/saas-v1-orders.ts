import type { Kysely, Selectable } from 'kysely';
import type { Database } from './schema.js';
import type { SaasV1OrdersTable } from './tables/saas-v1.js';

export interface V1OrderRepository {
  /** Keeps the details of the first newInstance of an instance; a resend changes nothing. */
  save(instanceId: string, details: V1OrderDetails): Promise<void>;
  find(instanceId: string): Promise<V1OrderDetails | undefined>;
}

/** One extension parameter the customer entered when buying (`saasExtendParams`, https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649013.html). */
export interface ExtendParam {
  name: string;
  value: string | null;
}

/** What a V1.0 newInstance tells about the order, decrypted and decoded; V2.0 gets the same from Query Order. */
export interface V1OrderDetails {
  orderId: string;
  customerId: string;
  customerName?: string;
  userId?: string;
  userName?: string;
  mobilePhone?: string;
  email?: string;
  skuCode?: string;
  productId?: string;
  trial?: boolean;
  chargingMode?: string;
  expiresAt?: number;
  periodType?: string;
  periodNumber?: number;
  orderAmount?: string;
  amount?: number;
  diskSize?: number;
  bandWidth?: number;
  provisionType?: string;
  extendParams?: ExtendParam[];
  test: boolean;
}

/** The order details of SaaS V1.0 instances in the store; the first newInstance of an instance wins. */
export function sqlV1OrderRepository(db: Kysely<Database>, now: () => number = Date.now): V1OrderRepository {
  return {
    async save(instanceId, details) {
      await db
        .insertInto('saas_v1_orders')
        .values({
          instance_id: instanceId,
          order_id: details.orderId,
          customer_id: details.customerId,
          customer_name: details.customerName ?? null,
          user_id: details.userId ?? null,
          user_name: details.userName ?? null,
          mobile_phone: details.mobilePhone ?? null,
          email: details.email ?? null,
          sku_code: details.skuCode ?? null,
          product_id: details.productId ?? null,
          trial: details.trial === undefined ? null : details.trial ? 1 : 0,
          charging_mode: details.chargingMode ?? null,
          expires_at: details.expiresAt ?? null,
          period_type: details.periodType ?? null,
          period_number: details.periodNumber ?? null,
          order_amount: details.orderAmount ?? null,
          amount: details.amount ?? null,
          disk_size: details.diskSize ?? null,
          band_width: details.bandWidth ?? null,
          provision_type: details.provisionType ?? null,
          extend_params: details.extendParams === undefined ? null : JSON.stringify(details.extendParams),
          test_flag: details.test ? 1 : 0,
          created_at: now(),
        })
        .onConflict((oc) => oc.column('instance_id').doNothing())
        .execute();
    },
    async find(instanceId) {
      const row = await db.selectFrom('saas_v1_orders').selectAll().where('instance_id', '=', instanceId).executeTakeFirst();
      return row === undefined ? undefined : toDetails(row);
    },
  };
}

function toDetails(row: Selectable<SaasV1OrdersTable>): V1OrderDetails {
  const optional = <K extends keyof V1OrderDetails>(key: K, value: V1OrderDetails[K] | null) => (value === null ? {} : { [key]: value });
  return {
    orderId: row.order_id,
    customerId: row.customer_id,
    ...optional('customerName', row.customer_name),
    ...optional('userId', row.user_id),
    ...optional('userName', row.user_name),
    ...optional('mobilePhone', row.mobile_phone),
    ...optional('email', row.email),
    ...optional('skuCode', row.sku_code),
    ...optional('productId', row.product_id),
    ...optional('trial', row.trial === null ? null : row.trial === 1),
    ...optional('chargingMode', row.charging_mode),
    ...optional('expiresAt', row.expires_at),
    ...optional('periodType', row.period_type),
    ...optional('periodNumber', row.period_number),
    ...optional('orderAmount', row.order_amount),
    ...optional('amount', row.amount),
    ...optional('diskSize', row.disk_size),
    ...optional('bandWidth', row.band_width),
    ...optional('provisionType', row.provision_type),
    ...optional('extendParams', row.extend_params === null ? null : (JSON.parse(row.extend_params) as ExtendParam[])),
    test: row.test_flag === 1,
  };
}
