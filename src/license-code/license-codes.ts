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
 * (60 times, every 2 minutes, https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649167.html). Concurrent retries may run it twice: keep it idempotent.
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

/** Thrown by a seller's hook for a code its product does not know: answered 000003 ("license code does not exist"). */
export class UnknownLicenseCode extends Error {
  constructor(license: string) {
    super(`license code ${license} is not known to the product`);
    this.name = 'UnknownLicenseCode';
  }
}

/**
 * The license-code 2.0 seller interface without HTTP (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649172.html). kgkit's decisions where the
 * guide is silent (UNCONFIRMED): the marketplace issues the codes (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649172.html) and the seller's software activates them with
 * the marketplace directly (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649244.html), so a code kgkit has not seen yet is registered on first sight, unless a seller hook
 * disowns it (UnknownLicenseCode → 000003); refresh or status of a released code → 000003; release of an unknown or
 * released code → 000000. A debug call (testFlag "1") for a released code answers 000000 and changes nothing, so saved
 * debug cases stay repeatable in any order (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649172.html: they are re-run twice a day).
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

  /** Makes a code known, e.g. once the seller's software activated it (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649244.html); repeating it changes nothing. */
  async register(code: { license: string; expiresAt?: number; orderId?: string; productId?: string; test?: boolean }): Promise<boolean> {
    return this.store.register({ ...code, expiresAt: code.expiresAt ?? null, now: this.now() });
  }

  async refresh(request: Omit<LicenseCodeRefreshEvent, 'expiresAt'> & { expireTime: string }): Promise<LicenseCodeOutcome> {
    const expiresAt = parseExpireTime(request.expireTime);
    if (expiresAt === undefined) return { code: '000002', message: 'expireTime is not a real UTC date and time' };
    const code = await this.store.find(request.license);
    if (code?.status === 'RELEASED') return this.released(request.test);
    if (code && (await this.store.hasRefresh(request.license, request.orderId, request.scene))) return DONE;
    const { expireTime: _, ...event } = request;
    const failed = await this.run(() => this.hooks.refresh({ ...event, expiresAt }));
    if (failed) return failed;
    if (!code) await this.register({ license: request.license, test: request.test });
    const applied = await this.store.refresh({ ...event, expiresAt, now: this.now() });
    if (applied === 'missing') return MISSING;
    return applied === 'released' ? this.released(request.test) : DONE;
  }

  async setFrozen(request: { license: string; frozen: boolean; test: boolean }): Promise<LicenseCodeOutcome> {
    const code = await this.store.find(request.license);
    if (code?.status === 'RELEASED') return this.released(request.test);
    // A code seen for the first time is taken as ALIVE, so an UNFREEZE of it changes nothing.
    if ((code?.status === 'FROZEN') === request.frozen) return code ? DONE : this.firstSight(request.license, request.test);
    const failed = await this.run(() => this.hooks.setFrozen(request));
    if (failed) return failed;
    if (!code) await this.register({ license: request.license, test: request.test });
    const changed = await this.store.setFrozen({ ...request, now: this.now() });
    if (changed === 'missing') return MISSING;
    return changed === 'released' ? this.released(request.test) : DONE;
  }

  async release(request: { license: string; orderId?: string; orderLineId?: string; test: boolean }): Promise<ReleaseOutcome> {
    const code = await this.store.find(request.license);
    if (!code || code.status === 'RELEASED') return DONE;
    const failed = await this.run(() => this.hooks.release(request));
    // A code the product does not know is as good as released.
    if (failed) return failed.code === '000003' ? DONE : failed;
    await this.store.release({ ...request, now: this.now() });
    return DONE;
  }

  private async firstSight(license: string, test: boolean): Promise<Done> {
    await this.register({ license, test });
    return DONE;
  }

  private released(test: boolean): Done | Missing {
    return test ? DONE : MISSING;
  }

  private async run(hook: () => Promise<void>): Promise<Failed | Missing | undefined> {
    try {
      await hook();
      return undefined;
    } catch (error) {
      if (error instanceof UnknownLicenseCode) return MISSING;
      this.onHookError(error);
      return { code: '000005', message: 'the product could not apply the change' };
    }
  }
}
