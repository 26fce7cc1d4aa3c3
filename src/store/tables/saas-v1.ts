/**
 * The order details a SaaS V1.0 newInstance carries in its query (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649013.html), one row per instance: V2.0 pulls
 * them from Query Order, V1.0 pushes them. Contact data is kept decrypted and never logged.
 */
export interface SaasV1OrdersTable {
  instance_id: string;
  order_id: string;
  customer_id: string;
  customer_name: string | null;
  /** IAM sub-user, sent only for products that create accounts from IAM user names. */
  user_id: string | null;
  user_name: string | null;
  mobile_phone: string | null;
  email: string | null;
  sku_code: string | null;
  product_id: string | null;
  trial: number | null;
  /** `1` period, `3` by times; other values UNCONFIRMED, kept as sent. */
  charging_mode: string | null;
  /** Epoch ms of the indicative expireTime. */
  expires_at: number | null;
  period_type: string | null;
  period_number: number | null;
  /** Exact decimal text (CN yuan or USD). */
  order_amount: string | null;
  amount: number | null;
  disk_size: number | null;
  band_width: number | null;
  provision_type: string | null;
  /** JSON of the decoded saasExtendParams: [{"name","value"}]. */
  extend_params: string | null;
  test_flag: number;
  created_at: number;
}

export interface SaasV1Tables {
  saas_v1_orders: SaasV1OrdersTable;
}
