import { createPublicKey, verify } from 'node:crypto';

/**
 * Opens a License in kgkit's default format (compact JWS, EdDSA) with node:crypto alone: its header and payload, and
 * whether the Ed25519 signature over `header.payload` verifies with `publicPem`.
 */
export function openLicense(license: string, publicPem: string) {
  const [header, payload, signature] = license.split('.') as [string, string, string];
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>,
    verified: verify(null, Buffer.from(`${header}.${payload}`, 'ascii'), createPublicKey(publicPem), Buffer.from(signature, 'base64url')),
  };
}
