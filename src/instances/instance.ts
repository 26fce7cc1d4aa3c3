// The store owns the rows and their shapes (src/store/instances.ts); the domain adds the rules.
import type { AppAccess, InstanceAccess, InstanceStatus, Instance, NewInstanceRow, OrderKind, AppliedOrder } from '../store/instances.js';

/** The storage the lifecycle needs. Every write is one guarded statement (or one transaction), so replicas may race. */
export interface InstanceRepository {
  /** Inserts unless the order line already has an instance or the id is taken; undefined then. */
  insertProvisioning(row: NewInstanceRow): Promise<Instance | undefined>;
  findById(instanceId: string): Promise<Instance | undefined>;
  findByOrderLine(orderId: string, orderLineId: string): Promise<Instance | undefined>;
  /** What queryInstance answers of the instances of `instanceIds` that exist. */
  findAccess(instanceIds: readonly string[]): Promise<InstanceAccess[]>;
  /** Takes over provisioning of a failed, abandoned (lease expired) or released test instance; true when this caller won. */
  claimProvisioning(instanceId: string, now: number, leaseUntil: number): Promise<boolean>;
  completeProvisioning(instanceId: string, appInfo: AppAccess, now: number): Promise<void>;
  /** The provisioner said the work goes on elsewhere: poll again after `leaseUntil`. */
  deferProvisioning(instanceId: string, leaseUntil: number, now: number): Promise<void>;
  failProvisioning(instanceId: string, error: string, now: number): Promise<void>;
  setFrozen(instanceId: string, frozen: boolean, now: number): Promise<void>;
  markReleased(instanceId: string, now: number): Promise<void>;
  hasOrder(instanceId: string, orderId: string, kind: OrderKind, scene: string): Promise<boolean>;
  /** Records the order and applies its expiry / product in one transaction; false when it was already applied. */
  applyOrder(order: AppliedOrder): Promise<boolean>;
}

export type { AppAccess, InstanceAccess, InstanceStatus, Instance, NewInstanceRow, OrderKind, AppliedOrder };
