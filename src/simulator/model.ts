import type { SellerAnswer, SellerFamily } from '../conformance/driver.js';

/** Order states as the buyer's console would show them. */
export type OrderState = 'paid' | 'provisioning' | 'completed' | 'failed';

export interface SimOrder {
  orderId: string;
  orderLineId: string;
  orderType: 'NEW' | 'TRIAL' | 'TRIAL_TO_FORMAL' | 'UNSUBSCRIBE' | 'RENEW' | 'CHANGE';
  chargingMode: 'PERIOD' | 'ONE_TIME' | 'ON_DEMAND' | 'ON_DEMAND_PKG';
  productId: string;
  skuCode: string;
  periodType?: string;
  periodNumber?: number;
  /** The order as Query Order answers it. */
  orderInfo: Record<string, unknown>;
  state: OrderState;
  /** Why it failed, when it did. */
  reason?: string;
  /** When the marketplace unsubscribed it automatically (a create that failed for 3 h). */
  unsubscribedAt?: number;
  instanceId?: string;
  run: string;
  createdAt: number;
}

export type InstanceState = 'provisioning' | 'running' | 'frozen' | 'released' | 'failed';

export interface SimInstance {
  instanceId: string;
  family: SellerFamily;
  orderId: string;
  productId: string;
  chargingMode: SimOrder['chargingMode'];
  state: InstanceState;
  /** When the marketplace sent the create that succeeded (the seller's clock), rounded down to the second. */
  createdAt: number;
  /** When the release was answered (the seller's clock), rounded up to the second. */
  releasedAt?: number;
  frozenAt?: number;
  expireTime?: string;
  /** The seller it belongs to: the configured one, or another (usage pushed for it is refused, SDR 009). */
  seller: 'self' | 'other';
  /** What queryInstance last answered for it. */
  info?: unknown;
}

export interface SimAttempt {
  n: number;
  /** Simulated time of the attempt. */
  at: number;
  /** The seller's clock when it was sent (what the request is signed with). */
  wallAt: number;
  request: SellerAnswer['request'];
  status: number;
  text: string;
  resultCode?: string;
  durationMs: number;
  error?: string;
  /** Where the answer broke the contract (checkAnswer). */
  problems: string[];
  ok: boolean;
}

export type CallState = 'sending' | 'waiting-retry' | 'succeeded' | 'failed';

export interface SimCall {
  id: number;
  run: string;
  family: SellerFamily;
  handler: string;
  body: Record<string, unknown>;
  retry: string;
  state: CallState;
  attempts: SimAttempt[];
  nextAttemptAt?: number;
  /** Why the last attempt failed, in one line. */
  failure?: string;
  /** The call this one sends again by hand (Seller Console "Restart", or the buyer's resend of a Kit sync). */
  resendOf?: number;
}

export type RunState = 'running' | 'done' | 'failed' | 'stopped';

export interface ScenarioRun {
  id: string;
  scenario: string;
  state: RunState;
  startedAt: number;
  endedAt?: number;
  /** What happened, one line a step. */
  log: { at: number; text: string }[];
  error?: string;
}

export interface SimProduct {
  productId: string;
  skuCode: string;
  name: string;
  delisted: boolean;
}

/** Everything the simulator knows, in memory. */
export class SimulatorModel {
  readonly orders = new Map<string, SimOrder>();
  readonly instances = new Map<string, SimInstance>();
  readonly calls: SimCall[] = [];
  readonly runs = new Map<string, ScenarioRun>();
  readonly products = new Map<string, SimProduct>();
  private nextCallId = 1;
  private nextRunId = 1;

  newCall(call: Omit<SimCall, 'id' | 'attempts' | 'state'>): SimCall {
    const created: SimCall = { id: this.nextCallId++, attempts: [], state: 'sending', ...call };
    this.calls.push(created);
    return created;
  }

  newRun(scenario: string, now: number): ScenarioRun {
    const run: ScenarioRun = { id: `run-${this.nextRunId++}`, scenario, state: 'running', startedAt: now, log: [] };
    this.runs.set(run.id, run);
    return run;
  }

  callsOf(run: string): SimCall[] {
    return this.calls.filter((call) => call.run === run);
  }
}
