import type { Kysely, Selectable, SelectQueryBuilder } from 'kysely';
import type { InstanceStatus, InstanceWithoutAccess } from './instances.js';
import type { Database, InstancesTable } from './schema.js';

/** Which instances an operator asks for (the kgkit API's listInstances); every filter given must hold. */
export interface InstanceFilter {
  status?: InstanceStatus;
  frozen?: boolean;
  orderId?: string;
  instanceId?: string;
  productId?: string;
}

/** Every column but `app_info`, which is sealed and never listed. */
const COLUMNS = [
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

function filtered<O>(query: SelectQueryBuilder<Database, 'instances', O>, filter: InstanceFilter): SelectQueryBuilder<Database, 'instances', O> {
  let q = query;
  if (filter.status !== undefined) q = q.where('status', '=', filter.status);
  if (filter.frozen !== undefined) q = q.where('frozen', '=', filter.frozen ? 1 : 0);
  if (filter.orderId !== undefined) q = q.where('order_id', '=', filter.orderId);
  if (filter.instanceId !== undefined) q = q.where('instance_id', '=', filter.instanceId);
  if (filter.productId !== undefined) q = q.where('product_id', '=', filter.productId);
  return q;
}

/** One page of the instances that match, newest first. */
export async function listInstancePage(db: Kysely<Database>, filter: InstanceFilter & { limit: number; offset: number }): Promise<InstanceWithoutAccess[]> {
  const rows = await filtered(db.selectFrom('instances').select(COLUMNS), filter)
    .orderBy('created_at', 'desc')
    .orderBy('instance_id')
    .limit(filter.limit)
    .offset(filter.offset)
    .execute();
  return rows.map(summaryOf);
}

export async function countInstances(db: Kysely<Database>, filter: InstanceFilter): Promise<number> {
  const row = await filtered(
    db.selectFrom('instances').select((eb) => eb.fn.countAll<number>().as('n')),
    filter,
  ).executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** How many instances are in each state, and how many are frozen, of all of them. */
export async function countInstancesByStatus(db: Kysely<Database>): Promise<{ byStatus: Map<InstanceStatus, number>; frozen: number }> {
  const rows = await db
    .selectFrom('instances')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.sum<number>('frozen').as('frozen')])
    .groupBy('status')
    .execute();
  return {
    byStatus: new Map(rows.map((row) => [row.status, Number(row.n)])),
    frozen: rows.reduce((sum, row) => sum + Number(row.frozen ?? 0), 0),
  };
}

function summaryOf(row: Omit<Selectable<InstancesTable>, 'app_info'>): InstanceWithoutAccess {
  return {
    instanceId: row.instance_id,
    orderId: row.order_id,
    orderLineId: row.order_line_id,
    businessId: row.business_id,
    status: row.status,
    frozen: row.frozen === 1,
    test: row.test_flag === 1,
    productId: row.product_id,
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    provisionLeaseUntil: row.provision_lease_until === null ? null : Number(row.provision_lease_until),
    provisionAttempts: Number(row.provision_attempts),
    lastError: row.last_error,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}
