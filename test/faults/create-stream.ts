import type { Kysely } from 'kysely';
import type { SellerCall } from '../../src/conformance/driver.js';
import type { Database } from '../../src/store/schema.js';
import { type MarketplaceCallResult, type Replica, callReplica } from '../support/replicas.js';

// A stream of newInstance calls during which a server process is killed, and the marketplace's resends afterwards:
// shared by the kill -9 tests on PostgreSQL replicas and on a lone SQLite server.

export interface StreamedCreate {
  order: number;
  replica: string;
  result: MarketplaceCallResult;
}

export const orderIdOf = (prefix: string, order: number) => `${prefix}${String(order).padStart(5, '0')}`;

/** The `attempt`-th call for an order: the marketplace sends a fresh businessId (and nonce) every time. */
export function newInstanceCall(prefix: string, order: number, attempt: number): SellerCall {
  const orderId = orderIdOf(prefix, order);
  return {
    family: 'saas-v2',
    handler: 'newInstance',
    body: { activity: 'newInstance', orderId, orderLineId: `${orderId}-000001`, businessId: `${prefix.toLowerCase()}-${order}-${attempt}` },
    timeoutMs: 30_000,
  };
}

export interface StreamPlan {
  prefix: string;
  key: string;
  orders: number;
  workers: number;
  /** The replica a balancer sends an order to while the victim lives. */
  route(order: number): Replica;
  victim: Replica;
  /** Where calls go once the victim is dead (the balancer took it out), or undefined to stop sending. */
  survivor?: Replica;
  killAfterAnswers: number;
}

/** Sends the orders with `workers` in parallel; kills the victim (kill -9) once `killAfterAnswers` calls were answered. */
export async function streamCreates(plan: StreamPlan): Promise<{ attempts: StreamedCreate[]; killedAtMs: number; streamMs: number }> {
  const attempts: StreamedCreate[] = [];
  let next = 0;
  let killed: Promise<void> | undefined;
  let killedAtMs = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: plan.workers }, async () => {
      while (next < plan.orders) {
        const replica = killed === undefined ? plan.route(next) : plan.survivor;
        if (!replica) return;
        const order = next++;
        const result = await callReplica(replica, plan.key, newInstanceCall(plan.prefix, order, 0));
        attempts.push({ order, replica: replica.name, result });
        if (killed === undefined && attempts.filter((attempt) => attempt.result.answer.status !== 0).length >= plan.killAfterAnswers) {
          killedAtMs = performance.now() - started;
          killed = plan.victim.kill();
        }
      }
    }),
  );
  await killed;
  return { attempts, killedAtMs, streamMs: performance.now() - started };
}

/**
 * The marketplace resends the orders that got no answer. One the dead process had stored but not finished is still
 * leased to it (10 minutes): it answers 000004 with its instanceId. Then the lease runs out (moved into the past instead
 * of waited for) and a resend completes it. Answers the first resends and the orders that had to wait for the lease.
 */
export async function resendUntilDone(db: Kysely<Database>, to: Replica, key: string, prefix: string, orders: readonly number[]) {
  const resent = await Promise.all(orders.map((order) => callReplica(to, key, newInstanceCall(prefix, order, 1))));
  const stranded = orders.filter((_, i) => resent[i]!.code === '000004');
  if (stranded.length > 0) {
    await db
      .updateTable('instances')
      .set({ provision_lease_until: Date.now() - 1 })
      .where(
        'order_id',
        'in',
        stranded.map((order) => orderIdOf(prefix, order)),
      )
      .where('status', '=', 'PROVISIONING')
      .execute();
  }
  const retaken = await Promise.all(stranded.map((order) => callReplica(to, key, newInstanceCall(prefix, order, 2))));
  return { resent, stranded, retaken };
}
