import { type Kysely, type Selectable, sql } from 'kysely';
import type { DataKeys } from '../crypto/data-keys.js';
import { looksSealed } from '../crypto/sealed.js';
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

/** An instance without its access info, which only the data key opens: for readers that never hand it out. */
export type InstanceWithoutAccess = Omit<Instance, 'appInfo'>;

function withoutAccess(row: Omit<Selectable<InstancesTable>, 'app_info'>): InstanceWithoutAccess {
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
  const rows = await db
    .selectFrom('instances')
    .select([
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
    ])
    .where('instance_id', 'in', instanceIds)
    .execute();
  return rows.map(withoutAccess);
}

/**
 * `app_info` (the buyer's credentials) is stored sealed with the data key. A row written before kgkit sealed it holds
 * clear JSON: it is read as is until the start-up step (src/store/stored-secrets.ts) seals it.
 */
export class SqlInstanceRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly keys: DataKeys,
  ) {}

  private toInstance(row: Selectable<InstancesTable>): Instance {
    const stored = row.app_info;
    const json = stored === null || !looksSealed(stored) ? stored : this.keys.open(stored, `instances.app_info of instance ${row.instance_id}`);
    return { ...withoutAccess(row), appInfo: json === null ? null : (JSON.parse(json) as AppAccess) };
  }

  async insertProvisioning(row: NewInstanceRow): Promise<Instance | undefined> {
    const inserted = await this.db
      .insertInto('instances')
      .values({
        instance_id: row.instanceId,
        order_id: row.orderId,
        order_line_id: row.orderLineId,
        business_id: row.businessId,
        status: 'PROVISIONING',
        frozen: 0,
        test_flag: row.test ? 1 : 0,
        app_info: null,
        product_id: null,
        expires_at: null,
        provision_lease_until: row.leaseUntil,
        provision_attempts: 1,
        last_error: null,
        created_at: row.now,
        updated_at: row.now,
      })
      .onConflict((oc) => oc.doNothing())
      .returningAll()
      .executeTakeFirst();
    return inserted === undefined ? undefined : this.toInstance(inserted);
  }

  async findById(instanceId: string): Promise<Instance | undefined> {
    const row = await this.db.selectFrom('instances').selectAll().where('instance_id', '=', instanceId).executeTakeFirst();
    return row === undefined ? undefined : this.toInstance(row);
  }

  async findByOrderLine(orderId: string, orderLineId: string): Promise<Instance | undefined> {
    const row = await this.db.selectFrom('instances').selectAll().where('order_id', '=', orderId).where('order_line_id', '=', orderLineId).executeTakeFirst();
    return row === undefined ? undefined : this.toInstance(row);
  }

  async findMany(instanceIds: readonly string[]): Promise<Instance[]> {
    if (instanceIds.length === 0) return [];
    const rows = await this.db.selectFrom('instances').selectAll().where('instance_id', 'in', instanceIds).execute();
    return rows.map((row) => this.toInstance(row));
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
    await this.db
      .updateTable('instances')
      .set({ status: 'ACTIVE', app_info: this.keys.seal(JSON.stringify(appInfo)), frozen: 0, provision_lease_until: null, last_error: null, updated_at: now })
      .where('instance_id', '=', instanceId)
      .where('status', '=', 'PROVISIONING')
      .execute();
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
