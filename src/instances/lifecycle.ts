import { randomUUID } from 'node:crypto';
import {
  type ChangePolicy,
  type InstanceEvent,
  type Provisioner,
  ProvisioningRefusal,
  type ProvisioningRefusalCode,
  type RefreshScene,
  allowEveryChange,
} from '../instances/provisioner.js';
import type { OrderDetails } from '../orders/order-details.js';
import { parseExpireTime } from './expire-time.js';
import type { Instance, InstanceAccess, InstanceRepository, OrderKind } from './instance.js';

type Failed = { code: '000005'; message: string };
type Missing = { code: '000003' };
type Busy = { code: '000004' };
type Done = { code: '000000' };

export type CreateOutcome = { code: '000000' | '000004'; instanceId: string } | { code: ProvisioningRefusalCode; message: string } | Failed;
export type QueryOutcome = { code: '000000' | '000004'; instances: InstanceAccess[] } | Missing;
export type ChangeOutcome = Done | Busy | Missing | Failed;
export type RefreshOutcome = ChangeOutcome | { code: '000002'; message: string };
export type UpgradeOutcome = ChangeOutcome | { code: '000100'; message: string };
export type CheckOutcome = Done | Missing | Failed | { code: '000100'; message: string };

export interface CreateRequest {
  orderId: string;
  orderLineId: string;
  businessId: string;
  test: boolean;
}

export interface LifecycleOptions {
  repository: InstanceRepository;
  provisioner: Provisioner;
  changePolicy?: ChangePolicy;
  now?: () => number;
  /** How long a marketplace call waits for the provisioner before answering 000004; the marketplace gives up at 5 s. */
  budgetMs?: number;
  /** How long one provisioning attempt may run before it is abandoned and another call may take it over. */
  provisionTimeoutMs?: number;
  /** After the provisioner answers `pending`, when a query or resend asks it again. */
  pendingRetryMs?: number;
  newInstanceId?: () => string;
  onBackgroundError?: (error: unknown, instanceId: string) => void;
  /** Order enrichment (src/orders/): told of every created and upgraded order line; see `orderRequired`. */
  orders?: OrderEnrichment;
  /** Provisioning waits for the order's details (answering 000004 meanwhile) and hands them to the provisioner. */
  orderRequired?: boolean;
}

/** What the lifecycle needs of order enrichment (OrderLookups implements it). */
export interface OrderEnrichment {
  track(order: { orderId: string; orderLineId: string; instanceId?: string; reason: 'newInstance' | 'upgradeInstance' }): Promise<void>;
  details(orderId: string, orderLineId: string): Promise<OrderDetails | undefined>;
  require(orderId: string, orderLineId: string, signal?: AbortSignal): Promise<OrderDetails | undefined>;
}

/**
 * What kgkit's instance IDs look like (docs/decisions.md#18): at most 64 characters (Huawei: String 64), no comma, which
 * queryInstance uses as a separator, no space or control character. A businessId outside it gets a fresh UUID.
 */
const INSTANCE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

type Race<T> = { done: true; value: T } | { done: false };

/**
 * The instance lifecycle of the SaaS V2.0 basic interfaces (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649414.html) with the idempotency of docs/decisions.md#14–#15. No HTTP here: callers map
 * outcomes to the contract of their interface family.
 */
export class InstanceLifecycle {
  private readonly repo: InstanceRepository;
  private readonly provisioner: Provisioner;
  private readonly changePolicy: ChangePolicy;
  private readonly now: () => number;
  private readonly budgetMs: number;
  private readonly provisionTimeoutMs: number;
  private readonly pendingRetryMs: number;
  private readonly newInstanceId: () => string;
  private readonly onBackgroundError: (error: unknown, instanceId: string) => void;
  private readonly orders: OrderEnrichment | undefined;
  private readonly orderRequired: boolean;
  private readonly inflight = new Set<Promise<unknown>>();

  constructor({
    repository,
    provisioner,
    changePolicy = allowEveryChange,
    now = Date.now,
    budgetMs = 4_000,
    provisionTimeoutMs = 10 * 60_000,
    pendingRetryMs = 30_000,
    newInstanceId = randomUUID,
    onBackgroundError = () => {},
    orders,
    orderRequired = false,
  }: LifecycleOptions) {
    if (orderRequired && !orders) throw new Error('orderRequired needs order enrichment (orders)');
    this.orders = orders;
    this.orderRequired = orderRequired;
    this.repo = repository;
    this.provisioner = provisioner;
    this.changePolicy = changePolicy;
    this.now = now;
    this.budgetMs = budgetMs;
    this.provisionTimeoutMs = provisionTimeoutMs;
    this.pendingRetryMs = pendingRetryMs;
    this.newInstanceId = newInstanceId;
    this.onBackgroundError = onBackgroundError;
  }

  /** newInstance: one instance per (orderId, orderLineId); its id is the first businessId seen, when it can be one. */
  async create(request: CreateRequest): Promise<CreateOutcome> {
    const row = (id: string) => ({ ...request, instanceId: id, now: this.now(), leaseUntil: this.now() + this.provisionTimeoutMs });
    let inserted = await this.repo.insertProvisioning(row(INSTANCE_ID.test(request.businessId) ? request.businessId : this.newInstanceId()));
    let existing = inserted ? undefined : await this.repo.findByOrderLine(request.orderId, request.orderLineId);
    if (!inserted && !existing) {
      // The businessId already names another order's instance: this order gets an id of its own.
      inserted = await this.repo.insertProvisioning(row(this.newInstanceId()));
      existing = inserted ? undefined : await this.repo.findByOrderLine(request.orderId, request.orderLineId);
    }
    if (!inserted && !existing) throw new Error(`no instance could be stored for order line ${request.orderLineId}`);
    await this.trackOrder({ ...request, instanceId: (inserted ?? existing)!.instanceId, reason: 'newInstance' });
    return inserted ? this.provision(inserted) : this.resume(existing!);
  }

  /** queryInstance: the ready instances among `ids`; 000004 while any of them is still being provisioned. */
  async query(ids: readonly string[]): Promise<QueryOutcome> {
    const found = (await this.repo.findAccess([...new Set(ids)])).filter((instance) => !isGone(instance));
    if (found.length === 0) return { code: '000003' };
    const retried = await Promise.all(found.map((instance) => (isReady(instance) ? instance : this.retryById(instance))));
    const ready = retried.filter(isReady);
    return { code: ready.length === found.length ? '000000' : '000004', instances: ready };
  }

  /** refreshInstance: applies the order's new expiry once per (instanceId, orderId, scene). */
  async refresh(request: {
    instanceId: string;
    orderId: string;
    orderLineId: string;
    scene: RefreshScene;
    expireTime: string;
    productId?: string;
    test: boolean;
  }): Promise<RefreshOutcome> {
    const expiresAt = parseExpireTime(request.expireTime);
    if (expiresAt === undefined) return { code: '000002', message: 'expireTime is not a real UTC date and time' };
    const outcome = await this.applyOrder(request.instanceId, request.orderId, 'refresh', request.scene, (instance) => ({
      hook: (signal) => this.provisioner.refresh({ ...event(instance, request), scene: request.scene, expiresAt, productId: request.productId }, signal),
      order: { orderLineId: request.orderLineId, expiresAt, productId: request.productId ?? null },
    }));
    return withoutRefusal(outcome);
  }

  /** upgradeInstance: upgrades once per (instanceId, orderId). */
  async upgrade(request: { instanceId: string; orderId: string; orderLineId: string; test: boolean }): Promise<UpgradeOutcome> {
    const outcome = await this.applyOrder(request.instanceId, request.orderId, 'upgrade', '', (instance) => ({
      hook: (signal) => this.provisioner.upgrade(event(instance, request), signal),
      order: { orderLineId: request.orderLineId, expiresAt: null, productId: null },
    }));
    // A refused upgrade (no such instance, released, no resources) must not become the instance's order.
    if (outcome.code === '000000' || outcome.code === '000004') await this.trackOrder({ ...request, reason: 'upgradeInstance' });
    return outcome;
  }

  /** updateInstanceStatus: FREEZE / UNFREEZE; repeating the current state changes nothing. */
  async setFrozen(request: { instanceId: string; frozen: boolean; test: boolean }): Promise<ChangeOutcome> {
    const instance = await this.repo.findById(request.instanceId);
    const blocked = blockedOutcome(instance);
    if (blocked) return blocked;
    if (instance!.frozen === request.frozen) return { code: '000000' };
    return withoutRefusal(
      await this.runHook(
        instance!.instanceId,
        (signal) => this.provisioner.setFrozen({ ...event(instance!, request), frozen: request.frozen }, signal),
        () => this.repo.setFrozen(instance!.instanceId, request.frozen, this.now()),
      ),
    );
  }

  /** releaseInstance: repeatable; a released instance answers success again. */
  async release(request: { instanceId: string; orderId?: string; orderLineId?: string; test: boolean }): Promise<ChangeOutcome> {
    const instance = await this.repo.findById(request.instanceId);
    if (!instance) return { code: '000003' };
    if (instance.status === 'RELEASED') return { code: '000000' };
    if (instance.status === 'PROVISIONING') return { code: '000004' };
    return withoutRefusal(
      await this.runHook(
        instance.instanceId,
        (signal) => this.provisioner.release(event(instance, request), signal),
        () => this.repo.markReleased(instance.instanceId, this.now()),
      ),
    );
  }

  /** changeInstanceCheck: asks the change policy; nothing is stored. */
  async checkChange(request: { instanceId: string; productInfo: Record<string, unknown>; test: boolean }): Promise<CheckOutcome> {
    const instance = await this.repo.findById(request.instanceId);
    if (!instance || isGone(instance) || instance.status === 'FAILED') return { code: '000003' };
    const asked = this.changePolicy({ instanceId: instance.instanceId, productInfo: request.productInfo, test: request.test });
    // The contract has no "being processed" answer for a check: a policy that cannot decide in time is a failure.
    const raced = await this.withinBudget(asked.catch((error: unknown) => new Error(describe(error))));
    if (!raced.done) return { code: '000005', message: 'the product did not answer the change check in time' };
    if (raced.value instanceof Error) return { code: '000005', message: 'the product could not check the change' };
    return raced.value.allowed ? { code: '000000' } : { code: '000100', message: raced.value.reason };
  }

  /** Resolves when every provisioner call still running in the background has finished (tests, shutdown). */
  async settle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  private async resume(existing: Instance): Promise<CreateOutcome> {
    const id = existing.instanceId;
    if (existing.status === 'ACTIVE' || (existing.status === 'RELEASED' && !existing.test)) return { code: '000000', instanceId: id };
    if (await this.repo.claimProvisioning(id, this.now(), this.now() + this.provisionTimeoutMs)) return this.provision(existing);
    const current = await this.repo.findById(id);
    return { code: current?.status === 'ACTIVE' ? '000000' : '000004', instanceId: id };
  }

  /** A query found it not ready: its whole row, and another provisioning attempt when the last one was abandoned. */
  private async retryById(found: InstanceAccess): Promise<InstanceAccess> {
    const instance = await this.repo.findById(found.instanceId);
    return instance === undefined ? found : this.retryProvisioning(instance);
  }

  private async retryProvisioning(instance: Instance): Promise<Instance> {
    if (!(await this.repo.claimProvisioning(instance.instanceId, this.now(), this.now() + this.provisionTimeoutMs))) return instance;
    await this.provision(instance);
    return (await this.repo.findById(instance.instanceId)) ?? instance;
  }

  private async provision(instance: Instance): Promise<CreateOutcome> {
    const id = instance.instanceId;
    const work = this.background(id, this.provisionTimeoutMs, async (signal) => {
      try {
        const order = await this.orderFor(instance, signal);
        if (this.orderRequired && !order) {
          // The lookup goes on in the background: answer 000004 and try again on the next query or resend.
          await this.repo.deferProvisioning(id, this.now() + this.pendingRetryMs, this.now());
          return 'pending' as const;
        }
        const result = await this.provisioner.create({ ...event(instance, instance), ...(order ? { order } : {}) }, signal);
        if (result.state === 'ready') await this.repo.completeProvisioning(id, result.appInfo, this.now());
        else await this.repo.deferProvisioning(id, this.now() + this.pendingRetryMs, this.now());
        return result.state;
      } catch (error) {
        await this.repo.failProvisioning(id, describe(error), this.now());
        return error instanceof ProvisioningRefusal ? error : new Error(describe(error));
      }
    });
    const raced = await this.withinBudget(work);
    if (!raced.done || raced.value === 'pending') return { code: '000004', instanceId: id };
    if (raced.value === 'ready') return { code: '000000', instanceId: id };
    if (raced.value instanceof ProvisioningRefusal) return { code: raced.value.resultCode, message: raced.value.message };
    return { code: '000005', message: 'the product could not provision the instance' };
  }

  private async applyOrder(
    instanceId: string,
    orderId: string,
    kind: OrderKind,
    scene: string,
    plan: (instance: Instance) => {
      hook: (signal: AbortSignal) => Promise<void>;
      order: { orderLineId: string; expiresAt: number | null; productId: string | null };
    },
  ): Promise<UpgradeOutcome> {
    const instance = await this.repo.findById(instanceId);
    const blocked = blockedOutcome(instance);
    if (blocked) return blocked;
    if (await this.repo.hasOrder(instanceId, orderId, kind, scene)) return { code: '000000' };
    const { hook, order } = plan(instance!);
    return this.runHook(instanceId, hook, async () => {
      await this.repo.applyOrder({ instanceId, orderId, kind, scene, ...order, appliedAt: this.now() });
    });
  }

  /** Asks for the order line to be looked up; enrichment must never fail the marketplace's call. */
  private async trackOrder(order: { orderId: string; orderLineId: string; instanceId: string; reason: 'newInstance' | 'upgradeInstance' }): Promise<void> {
    try {
      await this.orders?.track(order);
    } catch (error) {
      this.onBackgroundError(error, order.instanceId);
    }
  }

  /** The order's details for the provisioner: looked up now when they are required, else what is stored. */
  private async orderFor(instance: Instance, signal: AbortSignal): Promise<OrderDetails | undefined> {
    if (!this.orders) return undefined;
    return this.orderRequired
      ? this.orders.require(instance.orderId, instance.orderLineId, signal)
      : this.orders.details(instance.orderId, instance.orderLineId);
  }

  /** Runs a provisioner hook, then its store write; answers 000004 when the hook outlives the budget (it goes on). */
  private async runHook(
    instanceId: string,
    hook: (signal: AbortSignal) => Promise<void>,
    record: () => Promise<void>,
  ): Promise<ChangeOutcome | { code: '000100'; message: string }> {
    const work = this.background(instanceId, this.provisionTimeoutMs, async (signal) => {
      try {
        await hook(signal);
      } catch (error) {
        return error instanceof ProvisioningRefusal ? error : new Error(describe(error));
      }
      await record();
      return 'done' as const;
    });
    const raced = await this.withinBudget(work);
    if (!raced.done) return { code: '000004' };
    if (raced.value === 'done') return { code: '000000' };
    if (raced.value instanceof ProvisioningRefusal && raced.value.resultCode === '000100') return { code: '000100', message: raced.value.message };
    return { code: '000005', message: 'the product could not apply the change' };
  }

  /** Starts work that may outlive the marketplace call; it is tracked, time-limited, and never rejects unobserved. */
  private background<T>(instanceId: string, timeoutMs: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error('provisioning attempt timed out')), timeoutMs);
    timer.unref();
    const promise = work(controller.signal).finally(() => clearTimeout(timer));
    const tracked = promise.catch((error) => this.onBackgroundError(error, instanceId));
    this.inflight.add(tracked);
    void tracked.finally(() => this.inflight.delete(tracked));
    return promise;
  }

  private async withinBudget<T>(work: Promise<T>): Promise<Race<T>> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<Race<T>>((resolve) => {
      timer = setTimeout(() => resolve({ done: false }), this.budgetMs);
    });
    try {
      return await Promise.race([work.then((value): Race<T> => ({ done: true, value })), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * A released instance no longer exists for the marketplace, except a debug one: the seller console re-runs its saved
 * debug cases twice a day in any order, so a released test instance keeps answering (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649414.html).
 */
function isGone(instance: Pick<Instance, 'status' | 'test'>): boolean {
  return instance.status === 'RELEASED' && !instance.test;
}

function isReady(instance: Pick<Instance, 'status' | 'test'>): boolean {
  return instance.status === 'ACTIVE' || (instance.status === 'RELEASED' && instance.test);
}

function blockedOutcome(instance: Instance | undefined): Missing | Busy | undefined {
  if (!instance || isGone(instance) || instance.status === 'FAILED') return { code: '000003' };
  if (instance.status === 'PROVISIONING') return { code: '000004' };
  return undefined;
}

/** Only upgrades may answer "no resources" (000100); elsewhere a refusal is a failure of the product (000005). */
function withoutRefusal(outcome: UpgradeOutcome): ChangeOutcome {
  return outcome.code === '000100' ? { code: '000005', message: outcome.message } : outcome;
}

function event(instance: Instance, request: { orderId?: string; orderLineId?: string; test: boolean }): InstanceEvent {
  return { instanceId: instance.instanceId, orderId: request.orderId, orderLineId: request.orderLineId, test: request.test };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
