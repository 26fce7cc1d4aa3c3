import { createHmac } from 'node:crypto';
import { signatureMatches } from './basic-signature.js';

// Request signature of the joint-operation Kit V2 interfaces (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649476.html): unlike the
// basic scheme there is no inner HMAC; the payload itself follows key + nonce + timestamp. docs/decisions.md#2–#3 apply.

/** UPPER hex of HMAC-SHA256(key, key + nonce + timestamp + payload). */
export function kitSignature(accessKey: string, nonce: string, timestamp: string, payload: string | Uint8Array): string {
  return createHmac('sha256', Buffer.from(accessKey, 'utf8'))
    .update(accessKey + nonce + timestamp, 'utf8')
    .update(payload)
    .digest('hex')
    .toUpperCase();
}

export interface VerifyKitSignatureInput {
  accessKey: string;
  nonce: string;
  timestamp: string;
  signature: string;
  rawBody: Uint8Array;
  body?: Record<string, unknown> | undefined;
}

/** True when `signature` matches the canonical payload of `body` or the raw body bytes (docs/decisions.md#2), any hex case. */
export function verifyKitSignature({ accessKey, nonce, timestamp, signature, rawBody, body }: VerifyKitSignatureInput): boolean {
  return signatureMatches(signature, (payload) => kitSignature(accessKey, nonce, timestamp, payload), rawBody, body);
}
