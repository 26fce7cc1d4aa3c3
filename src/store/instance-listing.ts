import type { Kysely, SelectQueryBuilder } from 'kysely';
import { COLUMNS_WITHOUT_ACCESS, type InstanceStatus, type InstanceWithoutAccess, withoutAccess } from './instances.js';
import type { Database } from './schema.js';

/** Which instances an operator asks for (the kgkit API's listInstances); every filter given must hold. */
export interface InstanceFilter {
  status?: InstanceStatus;
  frozen?: boolean;
  orderId?: string;
  instanceId?: string;
  productId?: string;
}

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
  const rows = await filtered(db.selectFrom('instances').select(COLUMNS_WITHOUT_ACCESS), filter)
    .orderBy('created_at', 'desc')
    .orderBy('instance_id')
    .limit(filter.limit)
    .offset(filter.offset)
    .execute();
  return rows.map(withoutAccess);
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
