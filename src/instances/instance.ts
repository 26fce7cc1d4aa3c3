/** What the buyer is given to reach their tenant (saas-v2.md §3.2 AppInfo). */
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

/** The storage the lifecycle needs. Every write is one guarded statement (or one transaction), so replicas may race. */
export interface InstanceRepository {
  /** Inserts unless the order line already has an instance or the id is taken; undefined then. */
  insertProvisioning(row: NewInstanceRow): Promise<Instance | undefined>;
  findById(instanceId: string): Promise<Instance | undefined>;
  findByOrderLine(orderId: string, orderLineId: string): Promise<Instance | undefined>;
  findMany(instanceIds: readonly string[]): Promise<Instance[]>;
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
