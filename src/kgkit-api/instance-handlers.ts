import type { Kysely } from 'kysely';
import { type KgkitHandlers, kgkitResult as result } from '../../generated/kgkit/server.js';
import { countInstances, countInstancesByStatus, listInstancePage } from '../store/instance-listing.js';
import type { InstanceStatus } from '../store/instances.js';
import type { Database } from '../store/schema.js';
import { defined, iso, page } from './answer-fields.js';

type State = 'provisioning' | 'active' | 'failed' | 'released';
const STATUS_OF: Record<State, InstanceStatus> = { provisioning: 'PROVISIONING', active: 'ACTIVE', failed: 'FAILED', released: 'RELEASED' };
const STATE_OF = Object.fromEntries(Object.entries(STATUS_OF).map(([state, status]) => [status, state])) as Record<InstanceStatus, State>;

/** The instances kgkit keeps, without what their buyers were given (GET /kgkit/v1/instances). */
export function instanceHandlers(db: Kysely<Database>): Pick<KgkitHandlers, 'listInstances'> {
  return {
    async listInstances(query) {
      const filter = {
        ...(query.state ? { status: STATUS_OF[query.state] } : {}),
        ...(query.frozen ? { frozen: query.frozen === 'true' } : {}),
        ...(query.orderId ? { orderId: query.orderId } : {}),
        ...(query.instanceId ? { instanceId: query.instanceId } : {}),
        ...(query.productId ? { productId: query.productId } : {}),
      };
      const [{ byStatus, frozen }, total, instances] = await Promise.all([
        countInstancesByStatus(db),
        countInstances(db, filter),
        listInstancePage(db, { ...filter, ...page(query) }),
      ]);
      const count = (state: State) => byStatus.get(STATUS_OF[state]) ?? 0;
      return result.listInstances({
        resultCode: '000000',
        resultMsg: 'success',
        counts: { provisioning: count('provisioning'), active: count('active'), failed: count('failed'), released: count('released'), frozen },
        total,
        instances: instances.map((instance) =>
          defined({
            instanceId: instance.instanceId,
            orderId: instance.orderId,
            orderLineId: instance.orderLineId,
            businessId: instance.businessId,
            state: STATE_OF[instance.status],
            frozen: instance.frozen,
            test: instance.test,
            productId: instance.productId,
            expiresAt: instance.expiresAt === null ? null : iso(instance.expiresAt),
            provisionAttempts: instance.provisionAttempts,
            lastError: instance.lastError?.slice(0, 1024),
            createdAt: iso(instance.createdAt),
            updatedAt: iso(instance.updatedAt),
          }),
        ),
      });
    },
  };
}
