import type { Generated } from 'kysely';
import type { KitTables } from './tables/kit.js';
import type { LicenseTables } from './tables/licenses.js';
import type { OrderTables } from './tables/orders.js';
import type { SaasV1Tables } from './tables/saas-v1.js';
import type { SsoTables } from './tables/sso.js';
import type { UsageTables } from './tables/usage.js';

/** Lifecycle of an instance as kgkit keeps it; `frozen` is kept apart because freezing does not end provisioning or release. */
export type InstanceStatus = 'PROVISIONING' | 'ACTIVE' | 'FAILED' | 'RELEASED';

export interface InstancesTable {
  instance_id: string;
  order_id: string;
  order_line_id: string;
  business_id: string;
  status: InstanceStatus;
  frozen: number;
  test_flag: number;
  /** JSON of the access info returned by the provisioner, sealed with the data key (clear in rows older than that). */
  app_info: string | null;
  product_id: string | null;
  /** Epoch ms of the expiry last set by refreshInstance. */
  expires_at: number | null;
  /** While PROVISIONING: until when the current attempt owns the work (epoch ms). */
  provision_lease_until: number | null;
  provision_attempts: number;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

/** Orders applied to an instance after its creation; the primary key is the idempotency key (docs/decisions.md#14). */
export interface InstanceOrdersTable {
  instance_id: string;
  order_id: string;
  /** 'refresh' or 'upgrade'. */
  kind: string;
  /** The refresh scene; '' for an upgrade (one upgrade per order). */
  scene: string;
  order_line_id: string;
  expires_at: number | null;
  product_id: string | null;
  applied_at: number;
}

export interface EventsTable {
  id: Generated<number>;
  received_at: number;
  family: string;
  activity: string;
  order_id: string | null;
  order_line_id: string | null;
  instance_id: string | null;
  test_flag: number;
  /** The request body as received (it carries no secrets). */
  request: string;
  result_code: string;
  result_msg: string | null;
  duration_ms: number;
}

export interface NoncesTable {
  scope: string;
  nonce: string;
  expires_at: number;
}

export interface CoreTables {
  instances: InstancesTable;
  instance_orders: InstanceOrdersTable;
  events: EventsTable;
  nonces: NoncesTable;
}

/** Every table; each interface family declares its own in src/store/tables/<family>.ts. */
export interface Database extends CoreTables, KitTables, SsoTables, LicenseTables, OrderTables, SaasV1Tables, UsageTables {}
