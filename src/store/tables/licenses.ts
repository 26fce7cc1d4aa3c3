import type { Generated } from 'kysely';

/** Status of an authorization code as kgkit keeps it (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649172.html, https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649168.html, https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649169.html). */
export type LicenseCodeStatus = 'ALIVE' | 'FROZEN' | 'RELEASED';

/** License authorization codes 2.0: one row per code kgkit knows. */
export interface LicenseCodesTable {
  license: string;
  status: LicenseCodeStatus;
  /** Epoch ms of the expiry, from the registration or the last refreshLicenseCode. */
  expires_at: number | null;
  product_id: string | null;
  /** The order the code was bought with, when the registration named it. */
  order_id: string | null;
  created_at: number;
  updated_at: number;
}

export type LicenseCodeChange = 'register' | 'refresh' | 'freeze' | 'unfreeze' | 'release';

/**
 * Every change of a code, with the order and scene that caused it. (license, order_id, scene) is unique: scene is set
 * on refresh rows only, so it makes a refresh apply once per (license, orderId, scene) (docs/decisions.md#14), while other
 * rows (NULL scene) never collide.
 */
export interface LicenseCodeHistoryTable {
  id: Generated<number>;
  license: string;
  change: LicenseCodeChange;
  order_id: string | null;
  order_line_id: string | null;
  scene: string | null;
  /** The code's expiry and status after the change. */
  expires_at: number | null;
  product_id: string | null;
  status: LicenseCodeStatus;
  test_flag: number;
  changed_at: number;
}

/** Where a License's upload to the marketplace is (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649351.html). */
export type LicenseUploadState = 'pending' | 'uploaded' | 'rejected' | 'skipped';

/** Online-open License: each getLicenseAsync application with the License issued for it (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649255.html). */
export interface LicenseRequestsTable {
  event_id: string;
  /** SHA-256 (hex) of the device fingerprint, '' without one: the key stays short whatever the fingerprint's length. */
  fingerprint_key: string;
  device_fingerprint: string | null;
  instance_id: string;
  effective_at: number;
  expires_at: number | null;
  /** The License exactly as issued; a resend of the application gets this one. */
  license: string;
  /**
   * 'pending' until the License is uploaded to the marketplace (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649351.html); 'rejected' when the
   * marketplace refused it for good; 'skipped' for a debug application (testFlag "1"), which has no event to upload to.
   */
  upload_state: LicenseUploadState;
  upload_attempts: Generated<number>;
  upload_next_at: number | null;
  /** While a replica uploads it: the run that holds the row, and until when (epoch ms). */
  upload_lease_owner: string | null;
  upload_lease_until: number | null;
  upload_code: string | null;
  upload_error: string | null;
  uploaded_at: number | null;
  test_flag: number;
  requested_at: number;
}

/** The Ed25519 key kgkit signs Licenses with when LICENSE_SIGNING_KEY_FILE is not set: created once, shared by replicas. */
export interface LicenseSigningKeysTable {
  name: string;
  /** The PKCS#8 PEM, sealed with the data key (src/crypto/sealed.ts), as every secret kgkit stores. */
  private_key_sealed: string;
  public_key_pem: string;
  created_at: number;
}

/** License authorization codes 2.0 and online-open License requests. */
export interface LicenseTables {
  license_codes: LicenseCodesTable;
  license_code_history: LicenseCodeHistoryTable;
  license_requests: LicenseRequestsTable;
  license_signing_keys: LicenseSigningKeysTable;
}
