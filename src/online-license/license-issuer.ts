/** The getLicenseAsync refusals an issuer may answer with (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649288.html). */
export type LicenseRefusalCode = '000900' | '000901' | '000902' | '000903';

/** One License to issue: the application, as checked by kgkit, and the instance it is for. */
export interface LicenseIssueRequest {
  instanceId: string;
  /** Epoch ms of the instance's expiry (set by refreshInstance), null when it has none. */
  instanceExpiresAt: number | null;
  eventId: string;
  deviceFingerprint: string | undefined;
  effectiveAt: number;
  expiresAt: number | undefined;
  issuedAt: number;
  test: boolean;
}

export type LicenseIssueResult = { license: string } | { refused: LicenseRefusalCode; message: string };

/**
 * Makes the License of a getLicenseAsync application: the seller's part of the online-open License flow. kgkit
 * calls it at most once per (eventId, deviceFingerprint) unless two copies of one application race, and keeps the
 * License it returns. `000900` (quota) and `000901` (validity window) are the issuer's to decide.
 */
export interface LicenseIssuer {
  /** True when every License binds to a device: an application without a fingerprint is then refused with 000903. */
  readonly bindsToDevice: boolean;
  issue(request: LicenseIssueRequest): Promise<LicenseIssueResult>;
}
