import type { AppAccess } from './instance.js';
import type { OrderDetails } from '../orders/order-details.js';

/** Identifies the instance and the marketplace call behind a lifecycle event. */
export interface InstanceEvent {
  instanceId: string;
  orderId?: string;
  orderLineId?: string;
  /** A debug call from the seller console or its probing (testFlag "1"). */
  test: boolean;
}

/** A create event: with the order's details when order enrichment found them (always, with PROVISION_NEEDS_ORDER). */
export interface CreateEvent extends InstanceEvent {
  order?: OrderDetails;
}

export type RefreshScene = 'TRIAL_TO_FORMAL' | 'RENEWAL' | 'UNSUBSCRIBE_RENEWAL_PERIOD' | 'RENEWAL_CHANGE';

export interface RefreshEvent extends InstanceEvent {
  scene: RefreshScene;
  expiresAt: number;
  productId?: string;
}

export type ProvisionResult = { state: 'ready'; appInfo: AppAccess } | { state: 'pending' };

/**
 * The seller's product behind kgkit. kgkit calls each hook at least once per marketplace call and may call it again
 * when the marketplace retries, so every hook must be idempotent for the same instance and order.
 * Every hook receives a signal that aborts when kgkit stops waiting for it.
 */
export interface Provisioner {
  /** Create the tenant. Answer `pending` when the work goes on elsewhere; kgkit asks again on the next query or retry. */
  create(event: CreateEvent, signal: AbortSignal): Promise<ProvisionResult>;
  refresh(event: RefreshEvent, signal: AbortSignal): Promise<void>;
  setFrozen(event: InstanceEvent & { frozen: boolean }, signal: AbortSignal): Promise<void>;
  release(event: InstanceEvent, signal: AbortSignal): Promise<void>;
  upgrade(event: InstanceEvent, signal: AbortSignal): Promise<void>;
}

/** The create-time refusals (https://support.huaweicloud.com/intl/en-us/accessg-marketplace/topic_0070649099.html) a provisioner may answer with, besides an unexpected failure. */
export type ProvisioningRefusalCode = '000100' | '000101' | '000102' | '000103' | '000104' | '000105' | '000106' | '000107';

/** Thrown by a provisioner to refuse with a documented result code instead of the generic 000005. */
export class ProvisioningRefusal extends Error {
  constructor(
    readonly resultCode: ProvisioningRefusalCode,
    message: string,
  ) {
    super(message);
    this.name = 'ProvisioningRefusal';
  }
}

/** Answers the renewal-change check (changeInstanceCheck); the default allows every change. */
export type ChangePolicy = (check: {
  instanceId: string;
  productInfo: Record<string, unknown>;
  test: boolean;
}) => Promise<{ allowed: true } | { allowed: false; reason: string }>;

export const allowEveryChange: ChangePolicy = async () => ({ allowed: true });
