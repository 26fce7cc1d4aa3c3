import { type KeyObject, createHash, createPublicKey, sign } from 'node:crypto';
import type { LicenseIssueRequest, LicenseIssueResult, LicenseIssuer } from './license-issuer.js';

/** What the default License says, in the order it is written (the payload of the JWS). */
export interface LicenseDocument {
  instanceId: string;
  eventId: string;
  deviceFingerprint: string | null;
  effectiveTime: string;
  expireTime: string | null;
  issuedAt: string;
}

const base64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/** The `kid` of the JWS header: base64url SHA-256 of the public key's DER (SPKI), so a seller can tell keys apart after a change. */
export function keyId(privateKey: KeyObject): string {
  return base64url(
    createHash('sha256')
      .update(createPublicKey(privateKey).export({ type: 'spki', format: 'der' }))
      .digest(),
  );
}

/**
 * kgkit's default License issuer: a compact JWS (RFC 7515) with `alg` EdDSA (RFC 8037), signed with the seller's
 * Ed25519 key, whose payload is a LicenseDocument bound to the device fingerprint. Ed25519 is deterministic, so the
 * same document and key always give the same License. No quota (000900 never); the window check answers 000901
 * when the License would take effect after the instance's expiry (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649288.html).
 *
 * The seller's software verifies a License with the public key: split it at the dots, check the Ed25519 signature
 * (third part, base64url) over the ASCII text of the first two parts joined by the dot, then read the payload
 * (second part) and compare `deviceFingerprint` and the times with the device and the clock.
 */
export function ed25519LicenseIssuer({ signingKey }: { signingKey: () => Promise<KeyObject> }): LicenseIssuer {
  return {
    bindsToDevice: true,
    async issue(request: LicenseIssueRequest): Promise<LicenseIssueResult> {
      if (request.instanceExpiresAt !== null && request.effectiveAt > request.instanceExpiresAt) {
        return { refused: '000901', message: 'effectiveTime is after the expiry of the instance: apply within the order validity' };
      }
      const key = await signingKey();
      return { license: signLicense(key, licenseDocument(request)) };
    },
  };
}

export function licenseDocument(request: LicenseIssueRequest): LicenseDocument {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    instanceId: request.instanceId,
    eventId: request.eventId,
    deviceFingerprint: request.deviceFingerprint ?? null,
    effectiveTime: iso(request.effectiveAt),
    expireTime: request.expiresAt === undefined ? null : iso(request.expiresAt),
    issuedAt: iso(request.issuedAt),
  };
}

export function signLicense(key: KeyObject, document: LicenseDocument): string {
  const header = { alg: 'EdDSA', typ: 'kgkit-license', kid: keyId(key) };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(document))}`;
  // Ed25519 takes no digest algorithm of its own: `null` (RFC 8032 PureEdDSA).
  return `${signingInput}.${base64url(sign(null, Buffer.from(signingInput, 'ascii'), key))}`;
}
