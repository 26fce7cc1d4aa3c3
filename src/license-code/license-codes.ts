import { parseExpireTime } from '../instances/expire-time.js';
import type { SqlLicenseCodeStore } from '../store/license-codes.js';

export type LicenseCodeScene = 'RENEWAL' | 'UNSUBSCRIBE_RENEWAL_PERIOD';

export interface LicenseCodeRefreshEvent {
  license: string;
  orderId: string;
  orderLineId: string;
  scene: LicenseCodeScene;
  expiresAt: number;
  productId?: string;
  test: boolean;
}

/**
 * What the seller's product does when a code changes; optional (the default does nothing). A hook runs before the
 * change is stored and only when the change is new; if it throws, nothing is stored and the marketplace retries
 * (60 times, every 2 minutes, license-kit-openapi.md A.3-A.5). Concurrent retries may run it twice: keep it idempotent.
 */
export interface LicenseCodeHooks {
  refresh(event: LicenseCodeRefreshEvent): Promise<void>;
  setFrozen(event: { license: string; frozen: boolean; test: boolean }): Promise<void>;
  release(event: { license: string; orderId?: string; orderLineId?: string; test: boolean }): Promise<void>;
}

export const noLicenseCodeHooks: LicenseCodeHooks = {
  async refresh() {},
  async setFrozen() {},
  async release() {},
};

type Done = { code: '000000' };
type Missing = { code: '000003' };
type Failed = { code: '000005'; message: string };
export type LicenseCodeOutcome = Done | Missing | Failed | { code: '000002'; message: string };
export type ReleaseOutcome = Done | Failed;

const DONE: Done = { code: '000000' };
const MISSING: Missing = { code: '000003' };

/**
 * The license-code 2.0 seller interface without HTTP (license-kit-openapi.md A.3-A.5). kgkit's decisions where the
 * guide is silent (UNCONFIRMED): refresh or status of a code never registered, or released, → 000003; release of an
 * unknown or released code → 000000. A debug call (testFlag "1") for a released code answers 000000 and changes
 * nothing, so saved debug cases stay repeatable in any order (A.1: they are re-run twice a day).
 */
export class LicenseCodes {
  private readonly store: SqlLicenseCodeStore;
  private readonly hooks: LicenseCodeHooks;
  private readonly now: () => number;
  private readonly onHookError: (error: unknown) => void;

  constructor({
    store,
    hooks = noLicenseCodeHooks,
    now = Date.now,
    onHookError = () => {},
  }: {
    store: SqlLicenseCodeStore;
    hooks?: LicenseCodeHooks;
    now?: () => number;
    onHookError?: (error: unknown) => void;
  }) {
    this.store = store;
    this.hooks = hooks;
    this.now = now;
    this.onHookError = onHookError;
  }

  /** Makes a code known, e.g. once the seller's software activated it (A.7); repeating it changes nothing. */
  async register(code: { license: string; expiresAt?: number; orderId?: string; productId?: string; test?: boolean }): Promise<boolean> {
    return this.store.register({ ...code, expiresAt: code.expiresAt ?? null, now: this.now() });
  }

  async refresh(request: Omit<LicenseCodeRefreshEvent, 'expiresAt'> & { expireTime: string }): Promise<LicenseCodeOutcome> {
    const expiresAt = parseExpireTime(request.expireTime);
    if (expiresAt === undefined) return { code: '000002', message: 'expireTime is not a real UTC date and time' };
    const code = await this.store.find(request.license);
    if (!code) return MISSING;
    if (code.status === 'RELEASED') return this.released(request.test);
    if (await this.store.hasRefresh(request.license, request.orderId, request.scene)) return DONE;
    const { expireTime: _, ...event } = request;
    const failed = await this.run(() => this.hooks.refresh({ ...event, expiresAt }));
    if (failed) return failed;
    const applied = await this.store.refresh({ ...event, expiresAt, now: this.now() });
    if (applied === 'missing') return MISSING;
    return applied === 'released' ? this.released(request.test) : DONE;
  }

  async setFrozen(request: { license: string; frozen: boolean; test: boolean }): Promise<LicenseCodeOutcome> {
    const code = await this.store.find(request.license);
    if (!code) return MISSING;
    if (code.status === 'RELEASED') return this.released(request.test);
    if ((code.status === 'FROZEN') === request.frozen) return DONE;
    const failed = await this.run(() => this.hooks.setFrozen(request));
    if (failed) return failed;
    const changed = await this.store.setFrozen({ ...request, now: this.now() });
    if (changed === 'missing') return MISSING;
    return changed === 'released' ? this.released(request.test) : DONE;
  }

  async release(request: { license: string; orderId?: string; orderLineId?: string; test: boolean }): Promise<ReleaseOutcome> {
    const code = await this.store.find(request.license);
    if (!code || code.status === 'RELEASED') return DONE;
    const failed = await this.run(() => this.hooks.release(request));
    if (failed) return failed;
    await this.store.release({ ...request, now: this.now() });
    return DONE;
  }

  private released(test: boolean): Done | Missing {
    return test ? DONE : MISSING;
  }

  private async run(hook: () => Promise<void>): Promise<Failed | undefined> {
    try {
      await hook();
      return undefined;
    } catch (error) {
      this.onHookError(error);
      return { code: '000005', message: 'the product could not apply the change' };
    }
  }
}
