import { type Kysely, type Selectable, sql } from 'kysely';
import type { DataKeys } from '../crypto/data-keys.js';
import { looksSealed } from '../crypto/sealed.js';
import { fixedSql, textList } from './fixed-sql.js';
import type { Database, InstancesTable } from './schema.js';

/** What the buyer is given to reach their tenant (AppInfo, https://support.huaweicloud.com/intl/en-us/accessg-marketplace/topic_0070649093.html). */
export interface AppAccess {
  frontEndUrl: string;
  adminUrl?: string;
  userName?: string;
  password?: string;
  memo?: string;
}

export type InstanceStatus = 'PROVISIONING' | 'ACTIVE' | 'FAILED' | 'RELEASED';

export interface Instance {
  instanceId: string;
  orderId: string;
  orderLineId: string;
  businessId: string;
  status: InstanceStatus;
  frozen: boolean;
  /** Created by a debug call (testFlag "1") from the seller console or its probing. */
  test: boolean;
  appInfo: AppAccess | null;
  productId: string | null;
  expiresAt: number | null;
  provisionLeaseUntil: number | null;
  provisionAttempts: number;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface NewInstanceRow {
  instanceId: string;
  orderId: string;
  orderLineId: string;
  businessId: string;
  test: boolean;
  leaseUntil: number;
  now: number;
}

export type OrderKind = 'refresh' | 'upgrade';

export interface AppliedOrder {
  instanceId: string;
  orderId: string;
  orderLineId: string;
  kind: OrderKind;
  /** The refresh scene; '' for an upgrade. */
  scene: string;
  expiresAt: number | null;
  productId: string | null;
  appliedAt: number;
}

/** What queryInstance answers of an instance: one of these per ID, up to 100 a call. */
export type InstanceAccess = Pick<Instance, 'instanceId' | 'status' | 'test' | 'appInfo'>;

/** An instance without its access info, which only the data key opens: for readers that never hand it out. */
export type InstanceWithoutAccess = Omit<Instance, 'appInfo'>;

/** Every column but `app_info`, which is sealed: what a reader that never hands the access info out selects. */
export const COLUMNS_WITHOUT_ACCESS = [
  'instance_id',
  'order_id',
  'order_line_id',
  'business_id',
  'status',
  'frozen',
  'test_flag',
  'product_id',
  'expires_at',
  'provision_lease_until',
  'provision_attempts',
  'last_error',
  'created_at',
  'updated_at',
] as const;

export function withoutAccess(row: Omit<Selectable<InstancesTable>, 'app_info'>): InstanceWithoutAccess {
  return {
    instanceId: row.instance_id,
    orderId: row.order_id,
    orderLineId: row.order_line_id,
    businessId: row.business_id,
    status: row.status,
    frozen: row.frozen === 1,
    test: row.test_flag === 1,
    productId: row.product_id,
    expiresAt: row.expires_at,
    provisionLeaseUntil: row.provision_lease_until,
    provisionAttempts: row.provision_attempts,
    lastError: row.last_error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The instances of `instanceIds` that exist, without their access info (no data key needed). */
export async function findInstancesWithoutAccess(db: Kysely<Database>, instanceIds: readonly string[]): Promise<InstanceWithoutAccess[]> {
  if (instanceIds.length === 0) return [];
  const rows = await db.selectFrom('instances').select(COLUMNS_WITHOUT_ACCESS).where('instance_id', 'in', instanceIds).execute();
  return rows.map(withoutAccess);
}

// The statements every newInstance and queryInstance runs, written once (src/store/fixed-sql.ts).
const insertProvisioning = fixedSql<Selectable<InstancesTable>>(
  'insert into instances (instance_id, order_id, order_line_id, business_id, status, frozen, test_flag, app_info, product_id, expires_at, ' +
    'provision_lease_until, provision_attempts, last_error, created_at, updated_at) ' +
    "values (?, ?, ?, ?, 'PROVISIONING', 0, ?, null, null, null, ?, 1, null, ?, ?) on conflict do nothing returning *",
);
const findById = fixedSql<Selectable<InstancesTable>>('select * from instances where instance_id = ?');
const findByOrderLine = fixedSql<Selectable<InstancesTable>>('select * from instances where order_id = ? and order_line_id = ?');
// Four columns, not all fifteen: better-sqlite3 builds an object per row, and 100 rows took about 410 µs with every
// column against 170 µs with these four.
type AccessRow = Pick<Selectable<InstancesTable>, 'instance_id' | 'status' | 'test_flag' | 'app_info'>;
const findAccess = fixedSql<AccessRow>({
  sqlite: 'select instance_id, status, test_flag, app_info from instances where instance_id in (select value from json_each(?))',
  postgres: 'select instance_id, status, test_flag, app_info from instances where instance_id = any(?::text[])',
});
const completeProvisioning = fixedSql(
  "update instances set status = 'ACTIVE', app_info = ?, frozen = 0, provision_lease_until = null, last_error = null, updated_at = ? " +
    "where instance_id = ? and status = 'PROVISIONING'",
);

/** Opened access infos kept in memory at most (about 300 bytes each). */
const OPENED_KEPT = 10_000;

/**
 * `app_info` (the buyer's credentials) is stored sealed with the data key. A row written before kgkit sealed it holds
 * clear JSON: it is read as is until the start-up step (src/store/stored-secrets.ts) seals it.
 */
export class SqlInstanceRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly keys: DataKeys,
  ) {}

  /**
   * Access info already opened, by its sealed text (a fresh IV each time it is sealed, so a changed value is a new
   * entry): a queryInstance of 100 IDs would otherwise run 100 AES-GCM opens and JSON parses per call. The clear
   * values stay in the server's memory, where they pass anyway on their way to the marketplace (docs/security.md).
   */
  private readonly opened = new Map<string, AppAccess>();

  private toInstance(row: Selectable<InstancesTable>): Instance {
    return { ...withoutAccess(row), appInfo: this.appInfoCopy(row.app_info, row.instance_id) };
  }

  /** A copy: callers may change what they get without changing the cache. */
  private appInfoCopy(stored: string | null, instanceId: string): AppAccess | null {
    return stored === null ? null : { ...this.appInfoOf(stored, instanceId) };
  }

  private appInfoOf(stored: string, instanceId: string): AppAccess {
    const cached = this.opened.get(stored);
    if (cached !== undefined) return cached;
    const json = looksSealed(stored) ? this.keys.open(stored, `instances.app_info of instance ${instanceId}`) : stored;
    const appInfo = JSON.parse(json) as AppAccess;
    if (this.opened.size >= OPENED_KEPT) this.opened.delete(this.opened.keys().next().value!);
    this.opened.set(stored, appInfo);
    return appInfo;
  }

  async insertProvisioning(row: NewInstanceRow): Promise<Instance | undefined> {
    const test = row.test ? 1 : 0;
    const inserted = await insertProvisioning(this.db, [row.instanceId, row.orderId, row.orderLineId, row.businessId, test, row.leaseUntil, row.now, row.now]);
    return inserted.rows[0] === undefined ? undefined : this.toInstance(inserted.rows[0]);
  }

  async findById(instanceId: string): Promise<Instance | undefined> {
    const row = (await findById(this.db, [instanceId])).rows[0];
    return row === undefined ? undefined : this.toInstance(row);
  }

  async findByOrderLine(orderId: string, orderLineId: string): Promise<Instance | undefined> {
    const row = (await findByOrderLine(this.db, [orderId, orderLineId])).rows[0];
    return row === undefined ? undefined : this.toInstance(row);
  }

  async findAccess(instanceIds: readonly string[]): Promise<InstanceAccess[]> {
    if (instanceIds.length === 0) return [];
    const { rows } = await findAccess(this.db, [textList(this.db, instanceIds)]);
    return rows.map((row) => ({
      instanceId: row.instance_id,
      status: row.status,
      test: row.test_flag === 1,
      appInfo: this.appInfoCopy(row.app_info, row.instance_id),
    }));
  }

  async claimProvisioning(instanceId: string, now: number, leaseUntil: number): Promise<boolean> {
    const result = await this.db
      .updateTable('instances')
      .set({
        status: 'PROVISIONING',
        provision_lease_until: leaseUntil,
        provision_attempts: sql<number>`provision_attempts + 1`,
        updated_at: now,
      })
      .where('instance_id', '=', instanceId)
      .where((eb) =>
        eb.or([
          eb('status', '=', 'FAILED'),
          eb.and([eb('status', '=', 'PROVISIONING'), eb.or([eb('provision_lease_until', 'is', null), eb('provision_lease_until', '<', now)])]),
          eb.and([eb('status', '=', 'RELEASED'), eb('test_flag', '=', 1)]),
        ]),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async completeProvisioning(instanceId: string, appInfo: AppAccess, now: number): Promise<void> {
    await completeProvisioning(this.db, [this.keys.seal(JSON.stringify(appInfo)), now, instanceId]);
  }

  async deferProvisioning(instanceId: string, leaseUntil: number, now: number): Promise<void> {
    await this.db
      .updateTable('instances')
      .set({ provision_lease_until: leaseUntil, updated_at: now })
      .where('instance_id', '=', instanceId)
      .where('status', '=', 'PROVISIONING')
      .execute();
  }

  async failProvisioning(instanceId: string, error: string, now: number): Promise<void> {
    await this.db
      .updateTable('instances')
      .set({ status: 'FAILED', provision_lease_until: null, last_error: error.slice(0, 1000), updated_at: now })
      .where('instance_id', '=', instanceId)
      .where('status', '=', 'PROVISIONING')
      .execute();
  }

  async setFrozen(instanceId: string, frozen: boolean, now: number): Promise<void> {
    await this.db
      .updateTable('instances')
      .set({ frozen: frozen ? 1 : 0, updated_at: now })
      .where('instance_id', '=', instanceId)
      .execute();
  }

  async markReleased(instanceId: string, now: number): Promise<void> {
    await this.db
      .updateTable('instances')
      .set({ status: 'RELEASED', provision_lease_until: null, updated_at: now })
      .where('instance_id', '=', instanceId)
      .where('status', '!=', 'RELEASED')
      .execute();
  }

  async hasOrder(instanceId: string, orderId: string, kind: OrderKind, scene: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('instance_orders')
      .select('applied_at')
      .where('instance_id', '=', instanceId)
      .where('order_id', '=', orderId)
      .where('kind', '=', kind)
      .where('scene', '=', scene)
      .executeTakeFirst();
    return row !== undefined;
  }

  async applyOrder(order: AppliedOrder): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('instance_orders')
        .values({
          instance_id: order.instanceId,
          order_id: order.orderId,
          kind: order.kind,
          scene: order.scene,
          order_line_id: order.orderLineId,
          expires_at: order.expiresAt,
          product_id: order.productId,
          applied_at: order.appliedAt,
        })
        .onConflict((oc) => oc.columns(['instance_id', 'order_id', 'kind', 'scene']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) !== 1) return false;
      await trx
        .updateTable('instances')
        .set((eb) => ({
          expires_at: order.expiresAt ?? eb.ref('expires_at'),
          product_id: order.productId ?? eb.ref('product_id'),
          updated_at: order.appliedAt,
        }))
        .where('instance_id', '=', order.instanceId)
        .execute();
      return true;
    });
  }
}
