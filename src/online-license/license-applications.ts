import { createHash } from 'node:crypto';
import type { InstanceRepository } from '../instances/instance.js';
import type { SqlLicenseRequestStore } from '../store/license-requests.js';
import type { LicenseIssuer, LicenseRefusalCode } from './license-issuer.js';
import { parseLicenseTime } from './license-time.js';

export interface LicenseApplication {
  instanceId: string;
  eventId: string;
  effectiveTime: string;
  expireTime?: string;
  deviceFingerprint?: string;
  test: boolean;
}

export type LicenseApplicationOutcome =
  | { code: '000000'; license: string }
  | { code: '000003' }
  | { code: '000002' | '000005' | LicenseRefusalCode; message: string };

/**
 * getLicenseAsync without HTTP (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649255.html, https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649288.html): checks the application, has the issuer make the
 * License, and records both for the upload to the marketplace (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649351.html). One application is one (eventId, device
 * fingerprint) (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649255.html; docs/decisions.md#14): a resend gets the License recorded the first time.
 */
export class LicenseApplications {
  private readonly instances: Pick<InstanceRepository, 'findById'>;
  private readonly requests: SqlLicenseRequestStore;
  private readonly issuer: LicenseIssuer;
  private readonly now: () => number;
  private readonly onIssuerError: (error: unknown) => void;

  constructor(options: {
    instances: Pick<InstanceRepository, 'findById'>;
    requests: SqlLicenseRequestStore;
    issuer: LicenseIssuer;
    now?: () => number;
    onIssuerError?: (error: unknown) => void;
  }) {
    this.instances = options.instances;
    this.requests = options.requests;
    this.issuer = options.issuer;
    this.now = options.now ?? Date.now;
    this.onIssuerError = options.onIssuerError ?? (() => {});
  }

  async apply(application: LicenseApplication): Promise<LicenseApplicationOutcome> {
    const effectiveAt = parseLicenseTime(application.effectiveTime);
    if (effectiveAt === undefined) return { code: '000002', message: 'effectiveTime is not a real date and time' };
    const expiresAt = application.expireTime === undefined ? undefined : parseLicenseTime(application.expireTime);
    if (application.expireTime !== undefined && expiresAt === undefined) return { code: '000002', message: 'expireTime is not a real date and time' };
    if (expiresAt !== undefined && expiresAt <= effectiveAt) return { code: '000002', message: 'expireTime is not after effectiveTime' };

    // An empty fingerprint is no fingerprint (kgkit's reading; see the contract).
    const fingerprint = application.deviceFingerprint === '' ? undefined : application.deviceFingerprint;
    const fingerprintKey = fingerprint === undefined ? '' : createHash('sha256').update(fingerprint, 'utf8').digest('hex');
    const recorded = await this.requests.find(application.eventId, fingerprintKey);
    if (recorded) return { code: '000000', license: recorded.license };

    const instance = await this.instances.findById(application.instanceId);
    // As in the instance lifecycle: a released debug instance still answers, so saved debug cases stay repeatable.
    if (!instance || instance.status === 'FAILED' || (instance.status === 'RELEASED' && !instance.test)) return { code: '000003' };
    // Without Query Order kgkit cannot see the charging mode: an instance with an expiry counts as periodic (UNCONFIRMED).
    if (instance.expiresAt !== null && expiresAt === undefined) return { code: '000902', message: 'expireTime is required: the instance is periodic' };
    if (this.issuer.bindsToDevice && fingerprint === undefined) return { code: '000903', message: 'deviceFingerprint is required: Licenses bind to a device' };

    const issuedAt = this.now();
    let issued;
    try {
      issued = await this.issuer.issue({
        instanceId: instance.instanceId,
        instanceExpiresAt: instance.expiresAt,
        eventId: application.eventId,
        deviceFingerprint: fingerprint,
        effectiveAt,
        expiresAt,
        issuedAt,
        test: application.test,
      });
    } catch (error) {
      this.onIssuerError(error);
      return { code: '000005', message: 'the License could not be issued' };
    }
    if ('refused' in issued) return { code: issued.refused, message: issued.message };

    const stored = await this.requests.recordOnce({
      eventId: application.eventId,
      fingerprintKey,
      deviceFingerprint: fingerprint ?? null,
      instanceId: instance.instanceId,
      effectiveAt,
      expiresAt: expiresAt ?? null,
      license: issued.license,
      test: application.test,
      now: issuedAt,
    });
    return { code: '000000', license: stored.license };
  }
}
